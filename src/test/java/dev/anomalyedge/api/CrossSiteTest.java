package dev.anomalyedge.api;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which browser requests may change something: same origin, allow-listed origins, and non-browser clients. */
class CrossSiteTest {
    static final URI APPLIANCE = URI.create("http://appliance.plant:8080/api/v1/inspections");
    final CrossSite none = new CrossSite(List.of());

    @Test
    void clientsWithoutBrowserHeadersPass() {
        assertNull(none.refusal(null, null, APPLIANCE));
        assertNull(none.refusal(null, "none", APPLIANCE)); // typed into the address bar / bookmark
    }

    @Test
    void pagesOfTheApplianceItselfPass() {
        assertNull(none.refusal("http://appliance.plant:8080", "same-origin", APPLIANCE));
        assertNull(none.refusal("http://APPLIANCE.plant:8080", null, APPLIANCE));
        // behind a TLS-terminating proxy on the default port
        assertNull(none.refusal("https://appliance.plant", "same-origin", URI.create("http://appliance.plant/api/v1/models")));
    }

    @Test
    void otherSitesAndOtherOriginsAreRefused() {
        assertTrue(none.refusal("http://hmi.plant", "cross-site", APPLIANCE).contains("Sec-Fetch-Site: cross-site"));
        assertNotNull(none.refusal(null, "cross-site", APPLIANCE));
        assertNotNull(none.refusal("http://appliance.plant:9090", "same-site", APPLIANCE), "another port is another origin");
        assertNotNull(none.refusal("http://other.plant:8080", null, APPLIANCE), "an old browser without Sec-Fetch-Site");
        assertNotNull(none.refusal("null", null, APPLIANCE), "sandboxed frames and file:// pages send Origin: null");
        assertNotNull(none.refusal("http://appliance.plant:8080/path", null, APPLIANCE), "not an origin");
    }

    @Test
    void allowListedOriginsPassEvenFromAnotherSite() {
        CrossSite hmi = new CrossSite(List.of("https://HMI.plant:443/", "http://dashboard.plant:3000"));
        assertNull(hmi.refusal("https://hmi.plant", "cross-site", APPLIANCE));
        assertNull(hmi.refusal("http://dashboard.plant:3000", "cross-site", APPLIANCE));
        assertNotNull(hmi.refusal("http://dashboard.plant:3001", "cross-site", APPLIANCE));
        assertNotNull(hmi.refusal("http://hmi.plant", "cross-site", APPLIANCE), "http is not the listed https origin");
    }

    @Test
    void originsAreNormalised() {
        assertEquals("https://hmi.plant", CrossSite.normalize("HTTPS://Hmi.Plant:443"));
        assertEquals("http://hmi.plant:8443", CrossSite.normalize("http://hmi.plant:8443/"));
        assertNull(CrossSite.normalize("ftp://hmi.plant"));
        assertNull(CrossSite.normalize("not a uri"));
    }
}
