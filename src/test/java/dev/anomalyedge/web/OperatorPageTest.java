package dev.anomalyedge.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.api.DemoTrainedDefaultTest;
import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.training.data.SyntheticDataset;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.FluentWait;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import javax.imageio.ImageIO;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Level;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The operator page in a real browser (headless Chromium through chromedriver, Debian's {@code chromium} and
 * {@code chromium-driver}), one browser session against the appliance serving the trained demo: the page loads with no
 * console error, a result posted over REST shows on the Live page within 2 s, a picked defect image shows its overlay and
 * NG, a wrong key is explained, a training job's progress and metrics show, a recipe made from good images with a
 * region of interest drawn on the first one is listed, used by an inspection and deleted, the archive (on in this
 * profile, keeping every result) is browsed and filtered by part id, verdict and time, and nothing is fetched from
 * outside the box.
 * Each page's screenshot is written to {@code target/screenshots/}. Shares its boot with {@link DemoTrainedDefaultTest}
 * (same profile).
 */
@QuarkusTest
@TestProfile(DemoTrainedDefaultTest.FreshRepository.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorPageTest {
    static final Path SHOTS = Path.of("target/screenshots");
    static final Duration UI = Duration.ofSeconds(20);

    @TestHTTPResource("/")
    URL page;

    static ChromeDriver browser;
    static WebDriverWait ui;
    static final ObjectMapper JSON = new ObjectMapper();
    /** The part id and result id posted in the Live test, looked up again in the archive. */
    static final List<String> liveParts = new ArrayList<>(), liveIds = new ArrayList<>();

    @BeforeAll
    static void startBrowser() throws Exception {
        File chromium = firstExisting("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");
        File driver = firstExisting("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver");
        if (chromium == null || driver == null) {
            System.out.println("OperatorPageTest skipped: no Chromium or chromedriver installed (apt-get install chromium chromium-driver)");
        }
        assumeTrue(chromium != null && driver != null, "no Chromium/chromedriver installed");
        ChromeOptions options = new ChromeOptions().setBinary(chromium)
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,800",
                        "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--disable-default-apps");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver).build(), options);
        ui = new WebDriverWait(browser, UI);
        viewport(1280, 800);
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) browser.quit();
    }

    @BeforeEach
    void trainedDemoServes() {
        // the fresh repository's demo trains in the background; the page is tested against the trained, calibrated demo
        new FluentWait<>(this).withTimeout(Duration.ofSeconds(300)).pollingEvery(Duration.ofMillis(200))
                .withMessage(() -> "demo/trained-1 not active: " + RestAssured.get("/api/v1/models").asString())
                .ignoring(RuntimeException.class)
                .until(t -> "trained-1".equals(RestAssured.get("/api/v1/models").jsonPath().getString("active.version")));
    }

    @Test
    @Order(1)
    void theLivePageLoadsWithoutConsoleErrors() {
        browser.get(page.toString());
        ui.until(ExpectedConditions.textToBe(By.id("state"), "READY"));
        ui.until(ExpectedConditions.textToBe(By.id("live-conn"), "live"));
        ui.until(ExpectedConditions.textToBePresentInElementLocated(By.id("st-model"), "demo/trained-1"));
        List<String> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).map(LogEntry::getMessage).toList();
        assertEquals(List.of(), errors, "console errors on load");
    }

    @Test
    @Order(2)
    void aResultPostedOverRestShowsOnTheLivePageWithin2Seconds() throws Exception {
        show("live");
        for (SyntheticParts.Defect d : new SyntheticParts.Defect[] {SyntheticParts.Defect.NONE, SyntheticParts.Defect.CHIP}) {
            given().contentType("image/png").header("X-Part-Id", "P-" + d).body(png(d, 31)).post("/api/v1/inspections").then().statusCode(200);
        }
        String partId = "LIVE-" + System.nanoTime();
        liveParts.add(partId);
        String id = given().contentType("image/png").header("X-Part-Id", partId).body(png(SyntheticParts.Defect.SPOT, 31))
                .post("/api/v1/inspections").then().statusCode(200).extract().path("id");
        liveIds.add(id);
        WebElement card = new WebDriverWait(browser, Duration.ofSeconds(2))
                .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live-list li[data-id='" + id + "']")));
        assertEquals("NG", card.getAttribute("data-verdict"));
        assertTrue(card.getText().contains(partId), card.getText());
        card.findElement(By.tagName("button")).click();
        ui.until(ExpectedConditions.textToBePresentInElementLocated(By.id("live-detail"), id));
        imageLoaded(By.cssSelector("#live-detail img"));
        imageLoaded(By.cssSelector("#live-list li[data-id='" + id + "'] img"));
        screenshot("live");
    }

    @Test
    @Order(3)
    void aPickedDefectImageShowsItsOverlayAndNg() throws Exception {
        show("inspect");
        Path image = Files.createTempFile("chip-", ".png");
        Files.write(image, png(SyntheticParts.Defect.CHIP, 31));
        browser.findElement(By.id("inspect-files")).sendKeys(image.toAbsolutePath().toString());
        WebElement result = ui.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#inspect-results article")));
        assertEquals("NG", result.getAttribute("data-verdict"), result.getText());
        imageLoaded(By.cssSelector("#inspect-results article img.overlay"));
        assertTrue(result.getText().contains("threshold"), result.getText());
        // the opacity slider changes the overlay
        browser.findElement(By.id("opacity")).sendKeys(org.openqa.selenium.Keys.HOME);
        assertEquals("0", result.findElement(By.cssSelector("img.overlay")).getCssValue("opacity"));
        browser.findElement(By.id("opacity")).sendKeys(org.openqa.selenium.Keys.END);
        assertEquals("1", result.findElement(By.cssSelector("img.overlay")).getCssValue("opacity"));
        screenshot("inspect");
    }

    @Test
    @Order(4)
    void aWrongKeyIsExplained() throws Exception {
        useKey("not-the-key");
        show("models");
        WebElement activate = ui.until(ExpectedConditions.elementToBeClickable(
                By.cssSelector("#models-body tr[data-model='demo/untrained-1'] button")));
        activate.click();
        ui.until(ExpectedConditions.textToBePresentInElementLocated(By.id("models-msg"), "The API key was refused"));
        assertEquals("trained-1", RestAssured.get("/api/v1/models").jsonPath().getString("active.version"));
        screenshot("models");
    }

    @Test
    @Order(5)
    void aTrainingJobShowsItsProgressAndMetricsAndCanBeActivated() throws Exception {
        useKey("test-key");
        show("training");
        Path data = Files.createTempDirectory("page-train-");
        SyntheticDataset.generate(data, 5, 4, 2, 6, 96);
        Path validation = Files.createTempDirectory("page-val-");
        SyntheticDataset.generate(validation, 6, 4, 2, 6, 96);
        String repository = RestAssured.get("/api/v1/models").jsonPath().getString("repository");
        String version = "page-" + System.nanoTime();
        type("t-data", data.toString());
        type("t-val", validation.toString());
        type("t-clip", Path.of(repository, ".demo-sources", "demo_clip.safetensors").toString());
        type("t-epochs", "3");
        type("t-batch", "2");
        type("t-far", "0.1");
        type("t-version", version);
        new Select(browser.findElement(By.id("t-device"))).selectByVisibleText("cpu");
        browser.findElement(By.id("t-start")).click();
        // the bar advances: record what it shows until the job ends
        Set<String> shown = new TreeSet<>();
        new FluentWait<>(browser).withTimeout(Duration.ofSeconds(240)).pollingEvery(Duration.ofMillis(100))
                .withMessage(() -> "job did not succeed: " + browser.findElement(By.id("job")).getText() + " / "
                        + browser.findElement(By.id("train-msg")).getText())
                .until(b -> {
                    if (b.findElement(By.id("job")).isDisplayed()) {
                        shown.add(b.findElement(By.id("job-progress")).getAttribute("value"));
                    }
                    return "SUCCEEDED".equals(b.findElement(By.id("job-state")).getText());
                });
        System.out.println("[page] training bar values shown: " + shown);
        assertTrue(shown.stream().mapToDouble(Double::parseDouble).anyMatch(v -> v > 0 && v < 1), "progress shown: " + shown);
        assertEquals("1", browser.findElement(By.id("job-progress")).getAttribute("value"));
        WebElement metrics = ui.until(ExpectedConditions.visibilityOfElementLocated(By.id("job-metrics-table")));
        assertTrue(metrics.getText().contains("before") && metrics.getText().contains("after") && metrics.getText().contains("image auroc"),
                metrics.getText());
        assertTrue(browser.findElement(By.id("job-metrics")).getText().contains("Calibration: image threshold"));
        screenshot("training");
        try {
            browser.findElement(By.id("job-activate")).click();
            ui.until(ExpectedConditions.textToBePresentInElementLocated(By.id("train-msg"), version + " serves now"));
            assertEquals(version, RestAssured.get("/api/v1/models").jsonPath().getString("active.version"));
        } finally {
            given().header("X-API-Key", "test-key").post("/api/v1/models/demo/trained-1/activate").then().statusCode(200);
        }
    }

    @Test
    @Order(6)
    void aRecipeMadeFromGoodImagesWithADrawnRoiIsListedUsedByAnInspectionAndDeleted() throws Exception {
        useKey("test-key");
        show("recipes");
        ui.until(ExpectedConditions.visibilityOfElementLocated(By.id("recipes-ui")));
        String name = "page-recipe-" + System.nanoTime();
        Path dir = Files.createTempDirectory("page-recipe-");
        List<String> goods = new ArrayList<>();
        for (int seed = 41; seed < 44; seed++) {
            Path good = dir.resolve("good-" + seed + ".png");
            Files.write(good, png(SyntheticParts.Defect.NONE, seed));
            goods.add(good.toAbsolutePath().toString());
        }
        type("r-name", name);
        browser.findElement(By.id("r-files")).sendKeys(String.join("\n", goods));
        type("r-k", "2");
        type("r-rows", "1");
        type("r-cols", "2");
        type("r-overlap", "0.2");
        type("r-max-patches", "300");
        // the first good image is drawn on the canvas; a drag on it fills the ROI fields in image pixels
        WebElement canvas = browser.findElement(By.id("roi-canvas"));
        browser.executeScript("arguments[0].scrollIntoView({block: 'center'});", canvas);
        ui.until(ExpectedConditions.attributeToBe(canvas, "data-image", "200x200"));
        new Actions(browser).moveToElement(canvas, -100, -100).clickAndHold().moveByOffset(60, 60).moveByOffset(140, 140)
                .release().perform();
        int x = intValue("r-x"), y = intValue("r-y"), w = intValue("r-w"), h = intValue("r-h");
        assertTrue(x > 0 && y > 0 && w > 50 && h > 50 && x + w <= 200 && y + h <= 200, "ROI from the drag: " + x + "," + y + " " + w + "x" + h);
        browser.findElement(By.cssSelector("#recipe-form button[type='submit']")).click();
        new WebDriverWait(browser, Duration.ofSeconds(180))
                .withMessage(() -> "recipe not created: " + browser.findElement(By.id("recipes-msg")).getText())
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("recipes-msg"), "Recipe " + name + " created."));
        assertEquals("msg good", browser.findElement(By.id("recipes-msg")).getAttribute("class"),
                browser.findElement(By.id("recipes-msg")).getText());

        // listed with its reference count, k, ROI, calibrated threshold and a READY bank, as the API says
        JsonNode r = JSON.readTree(RestAssured.get("/api/v1/recipes/" + name).then().statusCode(200).extract().asString());
        assertEquals(3, r.path("references").asInt());
        assertEquals(2, r.path("k").asInt());
        assertEquals(List.of(x, y, w, h), List.of(r.path("roi").path("x").asInt(), r.path("roi").path("y").asInt(),
                r.path("roi").path("width").asInt(), r.path("roi").path("height").asInt()), r.toString());
        assertEquals("READY", r.path("bank").path("state").asText(), r.toString());
        assertEquals(List.of(1, 2, 0.2), List.of(r.path("tiles").path("rows").asInt(), r.path("tiles").path("cols").asInt(),
                r.path("tiles").path("overlap").asDouble()), r.toString());
        assertEquals(300, r.path("max_patches").asInt(), r.toString());
        assertEquals(300, r.path("bank").path("patches").asInt(), "a coreset of the 2 images × 2 tiles × 14² patches: " + r);
        assertTrue(r.path("threshold").isNumber(), "leave-one-out calibrates 3 good images with k=2: " + r);
        WebElement row = new WebDriverWait(browser, UI).withMessage(() -> "row not shown: " + browser.findElement(By.id("recipes-ui"))
                        .getAttribute("outerHTML") + " / API: " + RestAssured.get("/api/v1/recipes").asString())
                .until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#recipes-body tr[data-recipe='" + name + "']")));
        List<WebElement> cells = row.findElements(By.tagName("td"));
        assertEquals("3", cells.get(1).getText());
        assertEquals("fused, k=2", cells.get(2).getText());
        assertEquals(x + "," + y + " " + w + "×" + h + ", 1×2 tiles", cells.get(3).getText());
        assertEquals(String.format(java.util.Locale.ROOT, "%.4f", r.path("threshold").asDouble()), cells.get(4).getText());
        assertEquals("READY", cells.get(5).getText());

        // its reference images show
        row.findElement(By.xpath(".//button[text()='Show " + name + "']")).click();
        ui.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#recipe-detail .refs img"), 3));
        for (int i = 1; i <= 3; i++) imageLoaded(By.cssSelector("#recipe-detail .refs img:nth-child(" + i + ")"));
        assertTrue(browser.findElement(By.id("recipe-detail")).getText().contains("READY"));
        screenshot("recipes");

        // the Inspect page offers it, and an inspection with it says so
        show("inspect");
        Select picker = new Select(ui.until(ExpectedConditions.visibilityOfElementLocated(By.id("inspect-recipe"))));
        ui.until(d -> picker.getOptions().stream().anyMatch(o -> name.equals(o.getAttribute("value"))));
        picker.selectByValue(name);
        Path part = dir.resolve("with-recipe-" + System.nanoTime() + ".png");
        Files.write(part, png(SyntheticParts.Defect.NONE, 51));
        browser.findElement(By.id("inspect-files")).sendKeys(part.toAbsolutePath().toString());
        String file = part.getFileName().toString();
        WebElement card = new WebDriverWait(browser, Duration.ofSeconds(60)).until(d -> d.findElements(By.cssSelector("#inspect-results article"))
                .stream().filter(a -> a.getText().contains(file)).findFirst().orElse(null));
        assertTrue(card.getText().contains(name), card.getText());
        String id = card.getAttribute("data-id");
        assertEquals(name, RestAssured.get("/api/v1/inspections/" + id).then().statusCode(200).extract().path("recipe"));
        picker.selectByValue("");

        // deleted with the key
        show("recipes");
        WebElement delete = ui.until(ExpectedConditions.elementToBeClickable(
                By.xpath("//tr[@data-recipe='" + name + "']//button[text()='Delete " + name + "']")));
        delete.click();
        ui.until(ExpectedConditions.alertIsPresent()).accept();
        ui.until(ExpectedConditions.textToBePresentInElementLocated(By.id("recipes-msg"), "Recipe " + name + " deleted."));
        assertTrue(browser.findElements(By.cssSelector("#recipes-body tr[data-recipe='" + name + "']")).isEmpty());
        RestAssured.get("/api/v1/recipes/" + name).then().statusCode(404);
    }

    @Test
    @Order(7)
    void theArchiveIsBrowsedAndFilteredByPartIdVerdictAndTime() throws Exception {
        useKey("test-key");
        show("archive");
        // the part posted over REST in the Live test, found by its part id, with its overlay
        archiveFilter("", liveParts.get(0), "");
        WebElement card = new WebDriverWait(browser, UI).withMessage(() -> "not listed: " + browser.findElement(By.id("archive-list")).getText()
                        + " / " + browser.findElement(By.id("archive-msg")).getText())
                .until(d -> d.findElements(By.cssSelector("#archive-list article")).size() == 1
                        ? d.findElement(By.cssSelector("#archive-list article")) : null);
        assertEquals(liveIds.get(0), card.getAttribute("data-id"));
        assertEquals("NG", card.getAttribute("data-verdict"));
        assertTrue(card.getText().contains(liveParts.get(0)), card.getText());
        imageLoaded(By.cssSelector("#archive-list article img"));
        screenshot("archive");
        // by verdict: every card shown has it, and the archive holds both kinds by now (keep=ALL)
        for (String verdict : List.of("OK", "NG")) {
            archiveFilter(verdict, "", "");
            ui.until(d -> !d.findElements(By.cssSelector("#archive-list article")).isEmpty()
                    && d.findElements(By.cssSelector("#archive-list article")).stream()
                    .allMatch(a -> verdict.equals(a.getAttribute("data-verdict"))));
        }
        // by time: nothing is archived from tomorrow on
        archiveFilter("", "", java.time.LocalDateTime.now().plusDays(1).withNano(0).withSecond(0).toString());
        ui.until(ExpectedConditions.textToBe(By.id("archive-msg"), "Nothing archived matches."));
        assertTrue(browser.findElements(By.cssSelector("#archive-list article")).isEmpty());
    }

    @Test
    @Order(8)
    void theSystemPageAnswersAndPagesFitATablet() throws Exception {
        show("system");
        ui.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#system-checks [data-check='model']")));
        ui.until(ExpectedConditions.textToBePresentInElementLocated(By.id("system-metrics"), "inspections NG"));
        assertTrue(browser.findElement(By.id("system-checks")).getText().contains("backend"));
        screenshot("system");
        // a tablet held upright
        viewport(800, 1280);
        show("live");
        ui.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live-list li")));
        screenshot("live-tablet");
        show("inspect");
        screenshot("inspect-tablet");
        viewport(1280, 800);
    }

    @Test
    @Order(9)
    void nothingWasFetchedFromOutsideTheBoxAndNoScriptFailed() throws Exception {
        String origin = page.getProtocol() + "://" + page.getHost() + ":" + page.getPort();
        List<String> urls = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.PERFORMANCE)) {
            JsonNode message = JSON.readTree(e.getMessage()).path("message");
            if (message.path("method").asText().equals("Network.requestWillBeSent")) {
                urls.add(message.path("params").path("request").path("url").asText());
            }
        }
        assertFalse(urls.isEmpty(), "no requests recorded");
        List<String> outside = urls.stream().filter(u -> !(u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:"))).toList();
        assertEquals(List.of(), outside, "requests that left the appliance");
        // network answers the page expects (401/403 for the wrong key, 404 where recipes or the archive are off) are
        // logged by the browser; anything else at SEVERE is a script error
        List<String> scriptErrors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage).filter(m -> !m.contains("Failed to load resource")).toList();
        assertEquals(List.of(), scriptErrors, "script errors");
    }

    // ------------------------------------------------------------ helpers

    private void show(String name) {
        browser.findElement(By.cssSelector("nav a[href='#" + name + "']")).click();
        ui.until(ExpectedConditions.visibilityOfElementLocated(By.id("page-" + name)));
    }

    private void useKey(String key) {
        WebElement field = browser.findElement(By.id("api-key"));
        field.clear();
        field.sendKeys(key);
        browser.findElement(By.id("key-save")).click();
        ui.until(ExpectedConditions.textToBe(By.id("key-state"), "key set for this session"));
    }

    /** Fills the archive filter (empty = any) and submits it; {@code from} is a datetime-local value. */
    private void archiveFilter(String verdict, String partId, String from) {
        new Select(browser.findElement(By.id("a-verdict"))).selectByVisibleText(verdict.isEmpty() ? "any" : verdict);
        type("a-part", partId);
        browser.executeScript("arguments[0].value = arguments[1];", browser.findElement(By.id("a-from")), from);
        browser.executeScript("document.getElementById('archive-list').replaceChildren();"
                + "document.getElementById('archive-msg').textContent = '';");
        browser.findElement(By.cssSelector("#archive-form button")).click();
    }

    private int intValue(String id) {
        return Integer.parseInt(browser.findElement(By.id(id)).getAttribute("value"));
    }

    private void type(String id, String text) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(text);
    }

    /** Waits until the image has loaded with real pixels. */
    private void imageLoaded(By image) {
        ui.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                "const i = arguments[0]; return i.complete && i.naturalWidth > 0;", d.findElement(image))));
    }

    /** Sizes the window so that the page itself gets width × height CSS pixels. */
    private static void viewport(int width, int height) {
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(width, height));
        @SuppressWarnings("unchecked")
        List<Number> chrome = (List<Number>) browser.executeScript(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight];");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(width + chrome.get(0).intValue(), height + chrome.get(1).intValue()));
    }

    /** Writes target/screenshots/{name}.png after checking that the page fits the window's width (no sideways scrolling). */
    private static void screenshot(String name) throws Exception {
        Object overflow = browser.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertEquals(0L, ((Number) overflow).longValue(), name + " is wider than the window");
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static byte[] png(SyntheticParts.Defect defect, long seed) throws Exception {
        var out = new java.io.ByteArrayOutputStream();
        ImageIO.write(SyntheticParts.generate(200, seed, defect).image(), "png", out);
        return out.toByteArray();
    }

    private static File firstExisting(String... paths) {
        for (String p : paths) if (new File(p).canExecute()) return new File(p);
        return null;
    }
}
