package dev.anomalyedge.api;

import dev.anomalyedge.config.ApplianceConfig;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.PartIds;
import dev.anomalyedge.service.Inspections;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Reading uploads within the request limits (appliance.limits.*): bodies, files, batches of files and checked part ids. */
@ApplicationScoped
public class Uploads {
    @Inject
    ApplianceConfig config;

    public byte[] readLimited(InputStream in) throws IOException {
        long limit = config.limits().maxUploadBytes();
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
        return PartIds.check(formField != null ? formField : header, config.limits().maxPartIdLength());
    }

    /** The request body as an image, read (within appliance.limits.max-upload-bytes) when the inspection gets to it. */
    public Inspections.Image body(InputStream in, String source) {
        return new Inspections.Image() {
            @Override public String source() { return source; }
            @Override public byte[] read() throws IOException { return readLimited(in); }
        };
    }

    /** A multipart file part as an image, read when the inspection gets to it. */
    public Inspections.Image upload(FileUpload f) {
        return new Inspections.Image() {
            @Override public String source() { return f.fileName(); }
            @Override public byte[] read() throws IOException { return readUpload(f); }
        };
    }

    public byte[] readUpload(FileUpload f) throws IOException {
        long limit = config.limits().maxUploadBytes();
        if (f.size() > limit) {
            throw new InspectionException(InspectionException.Kind.TOO_LARGE, f.fileName() + ": upload of " + f.size()
                    + " bytes exceeds " + limit + " bytes (appliance.limits.max-upload-bytes)");
        }
        return Files.readAllBytes(f.uploadedFile());
    }

    /**
     * The images of a batch request, the parts named 'file' then 'files', each read when the batch gets to it; at least
     * one and at most appliance.limits.max-batch-images.
     */
    public List<Inspections.Image> batch(List<FileUpload> files, List<FileUpload> more) {
        List<Inspections.Image> all = new ArrayList<>();
        for (List<FileUpload> parts : List.of(files == null ? List.<FileUpload>of() : files, more == null ? List.<FileUpload>of() : more)) {
            for (FileUpload f : parts) {
                all.add(upload(f));
            }
        }
        if (all.isEmpty()) throw new InspectionException(InspectionException.Kind.BAD_REQUEST, "no 'file' parts in the batch");
        int max = config.limits().maxBatchImages();
        if (all.size() > max) {
            throw new InspectionException(InspectionException.Kind.TOO_LARGE, all.size() + " images in one batch; the limit is " + max
                    + " (appliance.limits.max-batch-images)");
        }
        return all;
    }
}
