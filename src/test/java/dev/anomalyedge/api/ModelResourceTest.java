package dev.anomalyedge.api;

import dev.anomalyedge.synthetic.SyntheticParts;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/** Model listing and zero-downtime activation with the API key (test key: see application.properties %test). */
@QuarkusTest
class ModelResourceTest {
    static final Path REPO = Path.of("target/test-models");

    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    @Test
    void listsTheRepositoryWithTheActiveModel() {
        given().get("/api/v1/models").then().statusCode(200)
                .body("active.name", equalTo("demo"))
                .body("models.name", hasItem("demo"))
                .body("models.find { it.name == 'demo' && it.version == 'untrained-1' }.active", equalTo(true))
                .body("models.find { it.name == 'demo' && it.version == 'untrained-1' }.demo", equalTo(true));
    }

    @Test
    void activationNeedsTheApiKey() {
        given().post("/api/v1/models/demo/untrained-1/activate").then().statusCode(401)
                .contentType("application/problem+json").header("WWW-Authenticate", "Bearer");
        given().header("X-API-Key", "wrong").post("/api/v1/models/demo/untrained-1/activate").then().statusCode(403);
        given().header("X-API-Key", "test-key").post("/api/v1/models/demo/untrained-1/activate").then().statusCode(200)
                .body("name", equalTo("demo")).body("version", equalTo("untrained-1"));
        given().header("Authorization", "Bearer test-key").post("/api/v1/models/demo/untrained-1/activate").then().statusCode(200);
    }

    @Test
    void aBundleThatFailsToLoadLeavesTheOldOneServing() throws Exception {
        Path good = REPO.resolve("demo/untrained-1");
        Path broken = REPO.resolve("demo/broken-1");
        copyTree(good, broken);
        Files.write(broken.resolve("visual.onnx"), new byte[] {1, 2, 3, 4});
        try {
            given().header("X-API-Key", "test-key").post("/api/v1/models/demo/broken-1/activate").then().statusCode(409)
                    .body("detail", containsString("broken-1"));
            given().header("X-API-Key", "test-key").post("/api/v1/models/nope/1/activate").then().statusCode(409)
                    .body("detail", containsString("not a bundle directory"));
            given().header("X-API-Key", "test-key").post("/api/v1/models/..%2F..%2Fetc/1/activate").then().statusCode(409);
            given().get("/api/v1/models").then().body("active.version", equalTo("untrained-1"));
            given().contentType("image/png").body(ServiceReady.partPng(9, SyntheticParts.Defect.NONE))
                    .post("/api/v1/inspections").then().statusCode(200).body("model.version", equalTo("untrained-1"));
        } finally {
            deleteTree(broken);
        }
    }

    @Test
    void aPointerThatCannotBeWrittenAnswersAProblemAndTheOldModelKeepsServing() throws Exception {
        Path pointer = REPO.resolve("active.json");
        byte[] saved = Files.readAllBytes(pointer);
        Path v3 = REPO.resolve("demo/copy-3");
        copyTree(REPO.resolve("demo/untrained-1"), v3);
        Files.delete(pointer);
        Files.createDirectories(pointer.resolve("blocker")); // active.json cannot be replaced
        try {
            given().header("X-API-Key", "test-key").post("/api/v1/models/demo/copy-3/activate").then().statusCode(500)
                    .contentType("application/problem+json")
                    .body("detail", allOf(containsString("demo/copy-3"), containsString("previous model keeps serving")));
            given().get("/api/v1/models").then().body("active.version", equalTo("untrained-1"));
            given().contentType("image/png").body(ServiceReady.partPng(12, SyntheticParts.Defect.NONE))
                    .post("/api/v1/inspections").then().statusCode(200).body("model.version", equalTo("untrained-1"));
        } finally {
            deleteTree(pointer);
            Files.write(pointer, saved);
            deleteTree(v3);
        }
    }

    @Test
    void aSecondVersionIsSwappedInWhileServing() throws Exception {
        Path v2 = REPO.resolve("demo/copy-2");
        copyTree(REPO.resolve("demo/untrained-1"), v2);
        try {
            byte[] png = ServiceReady.partPng(11, SyntheticParts.Defect.SCRATCH);
            Thread load = new Thread(() -> {
                for (int i = 0; i < 10; i++) {
                    given().contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(200);
                }
            });
            load.start();
            given().header("X-API-Key", "test-key").post("/api/v1/models/demo/copy-2/activate").then().statusCode(200);
            load.join(60_000);
            given().contentType("image/png").body(png).post("/api/v1/inspections").then().statusCode(200)
                    .body("model.version", equalTo("copy-2"));
            given().get("/api/v1/models").then().body("active.version", equalTo("copy-2"));
        } finally {
            given().header("X-API-Key", "test-key").post("/api/v1/models/demo/untrained-1/activate").then().statusCode(200);
            deleteTree(v2);
        }
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) Files.copy(p, to.resolve(from.relativize(p).toString()));
        }
    }

    static void deleteTree(Path p) throws Exception {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(f);
        }
    }
}
