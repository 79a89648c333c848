package dev.anomalyedge.api;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

/** /q/openapi names the API-key schemes on the operations that need the key and the problem answers each can give. */
@QuarkusTest
class OpenApiDocumentTest {
    @Test
    void theDocumentNamesTheKeyAndTheProblemAnswers() {
        given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .body("components.securitySchemes.apiKey.type", equalTo("apiKey"))
                .body("components.securitySchemes.apiKey.name", equalTo("X-API-Key"))
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"))
                .body("components.schemas.Problem", notNullValue())
                // activation needs the key and can conflict
                .body("paths.'/api/v1/models/{name}/{version}/activate'.post.security[0]", hasKey("apiKey"))
                .body("paths.'/api/v1/models/{name}/{version}/activate'.post.responses", hasKey("401"))
                .body("paths.'/api/v1/models/{name}/{version}/activate'.post.responses", hasKey("403"))
                .body("paths.'/api/v1/models/{name}/{version}/activate'.post.responses", hasKey("409"))
                .body("paths.'/api/v1/models/{name}/{version}/activate'.post.responses.'409'.content", hasKey("application/problem+json"))
                // inspecting needs no key by default and answers the bad-input problems
                .body("paths.'/api/v1/inspections'.post", not(hasKey("security")))
                .body("paths.'/api/v1/inspections'.post.responses", hasKey("413"))
                .body("paths.'/api/v1/inspections'.post.responses", hasKey("415"))
                .body("paths.'/api/v1/inspections'.post.responses", hasKey("422"))
                .body("paths.'/api/v1/inspections'.post.responses", hasKey("503"))
                .body("paths.'/api/v1/inspections'.post.responses", hasKey("504"))
                // reading training jobs and the archive needs the key
                .body("paths.'/api/v1/training-jobs'.get.security[0]", hasKey("apiKey"))
                .body("paths.'/api/v1/archive'.get.responses", hasKey("401"))
                .body("paths.'/api/v1/models'.get", not(hasKey("security")))
                .body("paths.'/api/v1/events'.get", notNullValue());
    }
}
