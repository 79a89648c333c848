package dev.anomalyedge.service;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.anomalyedge.bundle.BundleManifest;
import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.config.ApplianceConfig;
import dev.anomalyedge.evaluation.Calibrator;
import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.training.PromptTrainer;
import dev.anomalyedge.training.TrainRequest;
import dev.anomalyedge.training.TrainingJobs;
import dev.anomalyedge.training.data.Format;
import dev.anomalyedge.training.torch.Recipe;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Prompt-tuning jobs on the box, one call per request: start a job on a data folder (the rest defaults to the reference
 * recipe and the active model), list, follow, cancel, and activate the finished bundle.
 */
@ApplicationScoped
public class Trainings {
    @Inject
    Appliance app;

    /** A job request; only {@code data} is required, the rest defaults to the reference recipe and the active model. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobRequest(String data, String format, String clip, String prompts, String bpe, String name, String version,
                             Integer epochs, Integer batchSize, Double lr, Long seed, String recipe,
                             Boolean pseudoAnomalies, String validationData, Double targetFalseAlarmRate, Double targetRecall,
                             String device) {}

    /** Starts a job (queued while another runs); a request that cannot train is an IllegalArgumentException naming why. */
    public TrainingJobs.JobStatus start(JobRequest body) throws IOException {
        TrainRequest request = request(body);
        return status(jobs().start(request));
    }

    /** The training request for a job request: everything not given comes from the active bundle and the reference recipe. */
    TrainRequest request(JobRequest body) throws IOException {
        if (body == null || body.data() == null || body.data().isBlank()) {
            throw new IllegalArgumentException("'data' (a data folder on the appliance) is required");
        }
        Path data = Path.of(body.data());
        if (!Files.isDirectory(data)) throw new IllegalArgumentException("data folder " + data + " does not exist on the appliance");
        LoadedModel active = app.current();
        if (active == null) throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "no model is loaded yet");
        BundleManifest m = active.bundle().manifest();
        Path clip = body.clip() != null ? Path.of(body.clip()) : sourcePath(m, "clip");
        if (clip == null || !Files.isRegularFile(clip)) {
            throw new IllegalArgumentException("give 'clip' (the CLIP checkpoint on the appliance): the active bundle does not record where its checkpoint is");
        }
        Path prompts = body.prompts() != null ? Path.of(body.prompts()) : active.bundle().dir().resolve(m.files().promptLearner());
        String name = body.name() != null ? body.name() : active.name();
        String version = body.version() != null ? body.version() : "trained-" + System.currentTimeMillis() / 1000;
        ModelRepository repository = app.models().repository();
        Path out = repository.bundleDir(name, version);
        if (Files.exists(out)) throw new IllegalArgumentException("model " + name + "/" + version + " already exists");
        PromptTrainer.Options reference = PromptTrainer.Options.official();
        TrainRequest.Builder b = TrainRequest.builder(clip, active.bundle().settings(), data, out)
                .prompts(Files.isRegularFile(prompts) ? prompts : null)
                .heads(m.architecture().visionHeads(), m.architecture().textHeads())
                .precision(m.graphPrecision()) // an INT8 bundle retrains into an INT8 bundle (and extracts features in INT8)
                .format(body.format() == null ? Format.AUTO : Format.valueOf(body.format().toUpperCase()))
                .pseudoAnomalies(Boolean.TRUE.equals(body.pseudoAnomalies()))
                .trainer(body.epochs() != null ? body.epochs() : reference.epochs(),
                        body.batchSize() != null ? body.batchSize() : reference.batchSize(),
                        body.lr() != null ? body.lr() : reference.lr(),
                        body.seed() != null ? body.seed() : reference.seed(),
                        body.recipe() == null ? Recipe.OFFICIAL : Recipe.valueOf(body.recipe().toUpperCase()))
                .name(name).version(version)
                .demo(m.demo(), m.demo() ? "trained from the demo model" : null);
        if (body.bpe() != null) b.bpe(Path.of(body.bpe()));
        if (body.validationData() != null) {
            Path val = Path.of(body.validationData());
            if (!Files.isDirectory(val)) throw new IllegalArgumentException("validation folder " + val + " does not exist on the appliance");
            b.validation(val, Calibrator.Options.of(null, body.targetFalseAlarmRate(), body.targetRecall()));
        } else if (body.targetFalseAlarmRate() != null || body.targetRecall() != null) {
            throw new IllegalArgumentException("'target_false_alarm_rate' and 'target_recall' calibrate on 'validation_data'; give it too");
        }
        b.device(body.device());
        ApplianceConfig.Training cache = app.config().training();
        b.cache(cache.cacheDir().orElseGet(TrainRequest::defaultCacheDir), cache.cacheMaxBytes());
        // features and validation on the backend this appliance serves with (app.engine.backend)
        b.engine(EngineFactory.mode(app.config()));
        return b.build();
    }

    /** All jobs of this run of the app. */
    public List<TrainingJobs.JobStatus> list() {
        return jobs().list();
    }

    /** A job's progress, then its final metrics and calibration. */
    public TrainingJobs.JobStatus status(String id) {
        return jobs().status(id).orElseThrow(() -> new NotFound("no training job '" + id + "'"));
    }

    /** Cancels a queued or running job; its status afterwards. */
    public TrainingJobs.JobStatus cancel(String id) {
        status(id);
        jobs().cancel(id);
        return status(id);
    }

    /** Activates the bundle of a SUCCEEDED job with the zero-downtime swap; the answer names the model and its backend. */
    public Map<String, Object> activate(String id) throws IOException {
        TrainingJobs.JobStatus s = status(id);
        if (s.state() != TrainingJobs.State.SUCCEEDED || s.bundleDir() == null) {
            throw new Conflict("Job not finished", "job " + id + " is " + s.state() + "; only a SUCCEEDED job can be activated");
        }
        Path dir = Path.of(s.bundleDir());
        LoadedModel m = app.models().activate(dir.getParent().getFileName().toString(), dir.getFileName().toString());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name());
        out.put("version", m.version());
        out.put("backend", m.engine().backend());
        return out;
    }

    private TrainingJobs jobs() {
        TrainingJobs jobs = app.training();
        if (jobs == null) throw new InspectionException(InspectionException.Kind.UNAVAILABLE, "the appliance is not serving");
        return jobs;
    }

    private static Path sourcePath(BundleManifest m, String key) {
        if (m.sources() == null || m.sources().get(key) == null || m.sources().get(key).path() == null) return null;
        return Path.of(m.sources().get(key).path());
    }
}
