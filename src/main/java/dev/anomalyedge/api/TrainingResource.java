package dev.anomalyedge.api;

import dev.anomalyedge.bundle.BundleManifest;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.model.AnomalyClipSettings;
import dev.anomalyedge.service.ApplianceRuntime;
import dev.anomalyedge.evaluation.Calibrator;
import dev.anomalyedge.training.PromptTrainer;
import dev.anomalyedge.training.TrainRequest;
import dev.anomalyedge.training.TrainingJobs;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.torch.Recipe;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prompt-tuning jobs on the box (API key for every call: job details name paths on the box): start on a data folder,
 * follow progress, cancel, and activate the finished bundle with the usual zero-downtime swap.
 */
@Path("/api/v1/training-jobs")
@Tag(name = "training")
@Produces(MediaType.APPLICATION_JSON)
public class TrainingResource {
    @Inject
    ApplianceRuntime runtime;

    @Inject
    ApiKeys apiKeys;

    /** A job request; only {@code data} is required, the rest defaults to the reference recipe and the active model. */
    @com.fasterxml.jackson.databind.annotation.JsonNaming(com.fasterxml.jackson.databind.PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobRequest(String data, String format, String clip, String prompts, String bpe, String name, String version,
                             Integer epochs, Integer batchSize, Double lr, Long seed, String recipe,
                             Boolean pseudoAnomalies, String validationData, Double targetFalseAlarmRate, Double targetRecall,
                             String device) {}

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start prompt tuning on a data folder on the box (needs the API key)",
            description = "Body: {\"data\": \"/data/part-a\", \"format\": \"auto|mvtec|visa|meta|folder\", \"epochs\": 15, "
                    + "\"batch_size\": 8, \"lr\": 0.001, \"seed\": 111, \"recipe\": \"official|mission\", \"pseudo_anomalies\": false, "
                    + "\"name\": \"part-a\", \"version\": \"2\", \"clip\": \"(default: the active bundle's CLIP checkpoint)\", "
                    + "\"validation_data\": \"/data/part-a-val (evaluate and calibrate the new bundle on it)\", "
                    + "\"target_false_alarm_rate\": 0.01, \"target_recall\": 0.95, "
                    + "\"device\": \"auto|cpu|cuda (libtorch; auto = CUDA when libtorch sees a GPU)\"}")
    public Response start(JobRequest body, @Context HttpHeaders headers) throws IOException {
        apiKeys.require(headers);
        if (body == null || body.data() == null || body.data().isBlank()) {
            throw new IllegalArgumentException("'data' (a data folder on the appliance) is required");
        }
        java.nio.file.Path data = java.nio.file.Path.of(body.data());
        if (!Files.isDirectory(data)) throw new IllegalArgumentException("data folder " + data + " does not exist on the appliance");
        LoadedModel active = runtime.models() == null ? null : runtime.models().current();
        if (active == null) throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "no model is loaded yet");
        BundleManifest m = active.bundle().manifest();
        java.nio.file.Path clip = body.clip() != null ? java.nio.file.Path.of(body.clip()) : sourcePath(m, "clip");
        if (clip == null || !Files.isRegularFile(clip)) {
            throw new IllegalArgumentException("give 'clip' (the CLIP checkpoint on the appliance): the active bundle does not record where its checkpoint is");
        }
        java.nio.file.Path prompts = body.prompts() != null ? java.nio.file.Path.of(body.prompts()) : active.bundle().dir().resolve(m.files().promptLearner());
        AnomalyClipSettings settings = active.bundle().settings();
        String name = body.name() != null ? body.name() : active.name();
        String version = body.version() != null ? body.version() : "trained-" + System.currentTimeMillis() / 1000;
        java.nio.file.Path out = runtime.models().repository().bundleDir(name, version);
        if (Files.exists(out)) throw new IllegalArgumentException("model " + name + "/" + version + " already exists");
        PromptTrainer.Options reference = PromptTrainer.Options.official();
        TrainRequest.Builder b = TrainRequest.builder(clip, settings, data, out)
                .prompts(Files.isRegularFile(prompts) ? prompts : null)
                .heads(m.architecture().visionHeads(), m.architecture().textHeads())
                .format(body.format() == null ? Format.AUTO : Format.valueOf(body.format().toUpperCase()))
                .pseudoAnomalies(Boolean.TRUE.equals(body.pseudoAnomalies()))
                .trainer(body.epochs() != null ? body.epochs() : reference.epochs(),
                        body.batchSize() != null ? body.batchSize() : reference.batchSize(),
                        body.lr() != null ? body.lr() : reference.lr(),
                        body.seed() != null ? body.seed() : reference.seed(),
                        body.recipe() == null ? Recipe.OFFICIAL : Recipe.valueOf(body.recipe().toUpperCase()))
                .name(name).version(version)
                .demo(m.demo(), m.demo() ? "trained from the demo model" : null);
        if (body.bpe() != null) b.bpe(java.nio.file.Path.of(body.bpe()));
        if (body.validationData() != null) {
            java.nio.file.Path val = java.nio.file.Path.of(body.validationData());
            if (!Files.isDirectory(val)) throw new IllegalArgumentException("validation folder " + val + " does not exist on the appliance");
            b.validation(val, Calibrator.Options.of(null, body.targetFalseAlarmRate(), body.targetRecall()));
        } else if (body.targetFalseAlarmRate() != null || body.targetRecall() != null) {
            throw new IllegalArgumentException("'target_false_alarm_rate' and 'target_recall' calibrate on 'validation_data'; give it too");
        }
        b.device(body.device());
        var cache = runtime.config().training();
        b.cache(cache.cacheDir().orElseGet(TrainRequest::defaultCacheDir), cache.cacheMaxBytes());
        // features and validation on the backend this appliance serves with (appliance.engine.backend)
        b.engine(runtime.config().engine().backend());
        String id = runtime.training().start(b.build());
        return Response.status(Response.Status.ACCEPTED).entity(job(id))
                .header("Location", "/api/v1/training-jobs/" + id).build();
    }

    @GET
    @Operation(summary = "All training jobs of this run of the appliance (needs the API key)")
    public List<TrainingJobs.JobStatus> list(@Context HttpHeaders headers) {
        apiKeys.require(headers);
        return runtime.training().list();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Progress (phase, epoch, step, loss, ETA), then final metrics and calibration (needs the API key)")
    public TrainingJobs.JobStatus status(@PathParam("id") String id, @Context HttpHeaders headers) {
        apiKeys.require(headers);
        return job(id);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Cancel a queued or running job (needs the API key)")
    public TrainingJobs.JobStatus cancel(@PathParam("id") String id, @Context HttpHeaders headers) {
        apiKeys.require(headers);
        job(id);
        runtime.training().cancel(id);
        return job(id);
    }

    @POST
    @Path("{id}/activate")
    @Operation(summary = "Activate the bundle of a finished job (needs the API key): zero-downtime swap")
    public Map<String, Object> activate(@PathParam("id") String id, @Context HttpHeaders headers) throws IOException {
        apiKeys.require(headers);
        TrainingJobs.JobStatus s = job(id);
        if (s.state() != TrainingJobs.State.SUCCEEDED || s.bundleDir() == null) {
            throw new jakarta.ws.rs.WebApplicationException(Problem.response(Response.Status.CONFLICT, "Job not finished",
                    "job " + id + " is " + s.state() + "; only a SUCCEEDED job can be activated"));
        }
        java.nio.file.Path dir = java.nio.file.Path.of(s.bundleDir());
        LoadedModel m = runtime.models().activate(dir.getParent().getFileName().toString(), dir.getFileName().toString());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name());
        out.put("version", m.version());
        out.put("backend", m.engine().backend());
        return out;
    }

    private TrainingJobs.JobStatus job(String id) {
        return runtime.training().status(id).orElseThrow(() -> new NotFoundException("no training job '" + id + "'"));
    }

    private static java.nio.file.Path sourcePath(BundleManifest m, String key) {
        if (m.sources() == null || m.sources().get(key) == null || m.sources().get(key).path() == null) return null;
        return java.nio.file.Path.of(m.sources().get(key).path());
    }
}
