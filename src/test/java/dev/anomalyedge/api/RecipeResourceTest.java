package dev.anomalyedge.api;

import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.tensor.Npy;
import dev.anomalyedge.tensor.Tensor;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The recipes REST contract end to end with the demo model: create, list, show, inspect with one, delete. */
@QuarkusTest
class RecipeResourceTest {
    static final String KEY = "test-key";

    @BeforeEach
    void ready() {
        ServiceReady.await();
    }

    @AfterEach
    void cleanUp() {
        for (String n : List.of("disc-a", "disc-roi", "disc-later")) given().header("X-API-Key", KEY).delete("/api/v1/recipes/" + n);
    }

    private static RequestSpecification withGood(RequestSpecification r, int... seeds) {
        for (int s : seeds) r = r.multiPart("good", "good-" + s + ".png", ServiceReady.partPng(s, SyntheticParts.Defect.NONE), "image/png");
        return r;
    }

    /** wait=false answers 202 at once; the bank is built in the background and GET shows it READY when it is. */
    @Test
    void aRecipeCreatedWithoutWaitingIsBuiltInTheBackground() {
        Response accepted = withGood(given().header("X-API-Key", KEY), 31, 32, 33).queryParam("wait", "false")
                .post("/api/v1/recipes/disc-later");
        accepted.then().statusCode(202).body("name", equalTo("disc-later")).body("references", equalTo(3));
        String state = accepted.jsonPath().getString("bank.state");
        assertTrue(state.equals("BUILDING") || state.equals("READY"), "at once: " + state);
        ServiceReady.until(java.time.Duration.ofSeconds(60), () -> given().get("/api/v1/recipes/disc-later").then().statusCode(200)
                        .extract().jsonPath().getString("bank.state"), "READY"::equals,
                s -> "bank not READY: " + given().get("/api/v1/recipes/disc-later").asString());
        given().get("/api/v1/recipes/disc-later").then().body("threshold", notNullValue()).body("bank.patches", equalTo(3 * 14 * 14));
        given().header("X-Recipe", "disc-later").contentType("image/png").body(ServiceReady.partPng(34, SyntheticParts.Defect.SPOT))
                .post("/api/v1/inspections").then().statusCode(200).body("recipe", equalTo("disc-later")).body("verdict", equalTo("NG"));
    }

    @Test
    void aRecipeIsCreatedListedUsedAndDeleted() throws Exception {
        byte[] first = ServiceReady.partPng(21, SyntheticParts.Defect.NONE);
        withGood(given(), 21, 22, 23).post("/api/v1/recipes/disc-a").then().statusCode(401);
        withGood(given().header("X-API-Key", "wrong"), 21, 22, 23).post("/api/v1/recipes/disc-a").then().statusCode(403);
        Response created = withGood(given().header("X-API-Key", KEY), 21, 22, 23)
                .multiPart("settings", "{\"mode\": \"few_shot\"}", "application/json").post("/api/v1/recipes/disc-a");
        created.then().statusCode(201)
                .body("name", equalTo("disc-a")).body("references", equalTo(3)).body("k", equalTo(3))
                .body("mode", equalTo("few_shot")).body("roi", nullValue()).body("tiles", nullValue())
                .body("threshold", notNullValue())
                .body("bank.state", equalTo("READY")).body("bank.model", equalTo("demo/untrained-1"))
                .body("bank.patches", equalTo(3 * 14 * 14)).body("bank.error", nullValue());
        double threshold = created.jsonPath().getDouble("threshold");

        withGood(given().header("X-API-Key", KEY), 24).post("/api/v1/recipes/disc-a").then().statusCode(409);
        given().get("/api/v1/recipes").then().statusCode(200).body("default", nullValue()).body("recipes.name", hasItem("disc-a"));
        given().get("/api/v1/recipes/disc-a").then().statusCode(200)
                .body("reference_images", equalTo(List.of("000.png", "001.png", "002.png")));
        byte[] back = given().get("/api/v1/recipes/disc-a/references/000.png").then().statusCode(200).contentType("image/png")
                .extract().asByteArray();
        assertArrayEquals(first, back, "kept as uploaded");
        given().get("/api/v1/recipes/disc-a/references/..%2Frecipe.json").then().statusCode(404);

        // inspections with it: header or form field; the recipe's threshold judges, the plain path stays as it was
        Response good = given().header("X-Recipe", "disc-a").contentType("image/png").body(ServiceReady.partPng(25, SyntheticParts.Defect.NONE))
                .post("/api/v1/inspections");
        good.then().statusCode(200).body("recipe", equalTo("disc-a")).body("verdict", equalTo("OK"))
                .body("threshold", equalTo((float) threshold));
        given().multiPart("file", "spot.png", ServiceReady.partPng(26, SyntheticParts.Defect.SPOT), "image/png")
                .multiPart("recipe", "disc-a").post("/api/v1/inspections").then().statusCode(200)
                .body("recipe", equalTo("disc-a")).body("verdict", equalTo("NG")).body("result_code", equalTo(1));
        given().contentType("image/png").body(ServiceReady.partPng(25, SyntheticParts.Defect.NONE)).post("/api/v1/inspections").then()
                .statusCode(200).body("recipe", nullValue()).body("verdict", equalTo("UNCALIBRATED"));

        given().header("X-API-Key", KEY).delete("/api/v1/recipes/disc-a").then().statusCode(204);
        given().header("X-API-Key", KEY).delete("/api/v1/recipes/disc-a").then().statusCode(404);
        given().get("/api/v1/recipes/disc-a").then().statusCode(404);
        given().header("X-Recipe", "disc-a").contentType("image/png").body(ServiceReady.partPng(25, SyntheticParts.Defect.NONE))
                .post("/api/v1/inspections").then().statusCode(404);
    }

    @Test
    void anUnknownRecipeIsA404WithAnErrorResult() {
        Response r = given().header("X-Recipe", "no-such-recipe").contentType("image/png")
                .body(ServiceReady.partPng(27, SyntheticParts.Defect.NONE)).post("/api/v1/inspections");
        r.then().statusCode(404).contentType("application/problem+json")
                .body("verdict", equalTo("ERROR")).body("result_code", equalTo(14))
                .body("error.code", equalTo("unknown_recipe")).body("recipe", equalTo("no-such-recipe"));
        String id = r.jsonPath().getString("id");
        given().get("/api/v1/inspections/" + id).then().statusCode(200).body("error.code", equalTo("unknown_recipe"));
    }

    @Test
    void badNamesSettingsAndImagesAre400() {
        withGood(given().header("X-API-Key", KEY), 21).post("/api/v1/recipes/.hidden").then().statusCode(400);
        withGood(given().header("X-API-Key", KEY), 21).post("/api/v1/recipes/a..b%2F..").then().statusCode(400);
        withGood(given().header("X-API-Key", KEY), 21).multiPart("settings", "{\"roi\": {\"x\": 150, \"y\": 0, \"width\": 100, \"height\": 50}}")
                .post("/api/v1/recipes/disc-a").then().statusCode(400).contentType("application/problem+json");
        withGood(given().header("X-API-Key", KEY), 21).multiPart("settings", "{\"tiles\": {\"rows\": 2, \"cols\": 2, \"overlap\": 0.9}}")
                .post("/api/v1/recipes/disc-a").then().statusCode(400);
        withGood(given().header("X-API-Key", KEY), 21).multiPart("settings", "{\"k\": 5}").post("/api/v1/recipes/disc-a").then().statusCode(400);
        withGood(given().header("X-API-Key", KEY), 21).multiPart("settings", "{\"max_patches\": 0}").post("/api/v1/recipes/disc-a").then()
                .statusCode(400).body("detail", containsString("max_patches must be >= 1"));
        given().header("X-API-Key", KEY).multiPart("good", "x.png", new byte[] {1, 2, 3}, "image/png").post("/api/v1/recipes/disc-a")
                .then().statusCode(400);
        given().header("X-API-Key", KEY).multiPart("settings", "{}").post("/api/v1/recipes/disc-a").then().statusCode(400);
        given().get("/api/v1/recipes/disc-a").then().statusCode(404);
    }

    /** ROI and tiles: the map and the overlay are in original-image coordinates (here a 300 × 200 image). */
    @Test
    void aRoiAndTilesGiveAMapOverTheOriginalImage() throws Exception {
        RequestSpecification create = given().header("X-API-Key", KEY)
                .multiPart("settings", "{\"roi\": {\"x\": 20, \"y\": 10, \"width\": 240, \"height\": 180}, "
                        + "\"tiles\": {\"rows\": 2, \"cols\": 2, \"overlap\": 0.2}, \"max_patches\": 500}");
        for (int s = 31; s <= 33; s++) create = create.multiPart("good", "g" + s + ".png", wide(s, SyntheticParts.Defect.NONE), "image/png");
        create.post("/api/v1/recipes/disc-roi").then().statusCode(201)
                .body("roi.x", equalTo(20)).body("roi.width", equalTo(240)).body("tiles.rows", equalTo(2))
                .body("tiles.overlap", equalTo(0.2f)).body("max_patches", equalTo(500))
                .body("bank.patches", equalTo(500)); // a coreset of the 3 × 4 × 14 × 14 tile patches
        Response r = given().header("X-Recipe", "disc-roi").contentType("image/png").body(wide(34, SyntheticParts.Defect.SPOT))
                .post("/api/v1/inspections");
        r.then().statusCode(200).body("recipe", equalTo("disc-roi")).body("map.width", equalTo(300)).body("map.height", equalTo(200))
                .body("map.size", equalTo(300));
        String id = r.jsonPath().getString("id");
        byte[] npy = given().get("/api/v1/inspections/" + id + "/anomaly-map.npy").then().statusCode(200).extract().asByteArray();
        Path f = Files.createTempFile("map", ".npy");
        Files.write(f, npy);
        Tensor map = Npy.read(f);
        assertTrue(map.hasShape(200, 300), map.shapeString());
        assertEquals(0f, map.floats()[5 * 300 + 5], 0, "outside the ROI");
        assertNotEquals(0f, map.floats()[100 * 300 + 150], "inside the ROI");
        BufferedImage heat = ImageIO.read(new ByteArrayInputStream(given().get("/api/v1/inspections/" + id + "/heatmap.png").then()
                .statusCode(200).extract().asByteArray()));
        assertEquals(300, heat.getWidth());
        assertEquals(200, heat.getHeight());
    }

    /** A 300 × 200 image: a 300 px part cut to 200 rows. */
    private static byte[] wide(long seed, SyntheticParts.Defect defect) throws Exception {
        BufferedImage img = SyntheticParts.generate(300, seed, defect).image().getSubimage(0, 50, 300, 200);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
