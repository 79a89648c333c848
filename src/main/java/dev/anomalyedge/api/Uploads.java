package dev.anomalyedge.api;

import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.InspectionService;
import dev.anomalyedge.service.ApplianceRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;

/** Reading uploads within appliance.limits.max-upload-bytes, checked part ids, and the serving inspection pipeline. */
@ApplicationScoped
public class Uploads {
    @Inject
    ApplianceRuntime runtime;

    public InspectionService service() {
        InspectionService s = runtime.inspections();
        if (s == null) throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "the appliance is not serving");
        return s;
    }

    public byte[] readLimited(InputStream in) throws IOException {
        long limit = runtime.config().limits().maxUploadBytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        int n;
        while (in != null && (n = in.read(buf)) > 0) {
            total += n;
            if (total > limit) {
                throw new InspectionException(InspectionException.Kind.TOO_LARGE, "upload exceeds " + limit
                        + " bytes (appliance.limits.max-upload-bytes)");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    /** The request's part id, the form field before the X-Part-Id header, checked by {@link PartIds} (null when none). */
    public String partId(String formField, String header) {
        return PartIds.check(formField != null ? formField : header, runtime.config().limits().maxPartIdLength());
    }

    public byte[] readUpload(FileUpload f) throws IOException {
        long limit = runtime.config().limits().maxUploadBytes();
        if (f.size() > limit) {
            throw new InspectionException(InspectionException.Kind.TOO_LARGE, f.fileName() + ": upload of " + f.size()
                    + " bytes exceeds " + limit + " bytes (appliance.limits.max-upload-bytes)");
        }
        return Files.readAllBytes(f.uploadedFile());
    }
}
