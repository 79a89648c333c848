package dev.anomalyedge.service;

import dev.anomalyedge.bundle.ModelRepository;
import dev.anomalyedge.inspection.LoadedModel;
import dev.anomalyedge.inspection.ModelManager;
import dev.anomalyedge.training.DemoTraining;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * The built-in default on a first start: an empty repository gets the untrained demo bundle
 * (appliance.models.demo-if-empty), which then trains in the background on the synthetic parts and is replaced by the
 * trained, calibrated demo (appliance.models.demo-trained). Runs on the appliance's model loader; ends at its next step
 * once the appliance stops.
 */
final class DemoBootstrap {
    private static final Logger LOG = Logger.getLogger(DemoBootstrap.class);

    private final ModelManager models;
    private final boolean demoIfEmpty;
    private final boolean demoTrained;
    private final BooleanSupplier stopping;

    DemoBootstrap(ModelManager models, boolean demoIfEmpty, boolean demoTrained, BooleanSupplier stopping) {
        this.models = models;
        this.demoIfEmpty = demoIfEmpty;
        this.demoTrained = demoTrained;
        this.stopping = stopping;
    }

    /** On an empty repository (when allowed): exports the untrained demo as demo/untrained-1, the active model. True when it did. */
    boolean createIfEmpty() throws IOException {
        ModelRepository repo = models.repository();
        if (!repo.list().isEmpty() || !demoIfEmpty) return false;
        Path sources = repo.dir().resolve(".demo-sources");
        LOG.infof("model repository %s is empty: generating the built-in demo bundle (untrained)", repo.dir());
        DemoTraining.exportUntrained(sources, repo.bundleDir("demo", "untrained-1"), "untrained-1", LOG::info);
        repo.setActive(new ModelRepository.ModelRef("demo", "untrained-1"));
        return true;
    }

    /**
     * Trains the demo when it is wanted and the repository holds only the untrained demo ({@code fresh}: created by
     * this start; otherwise left by a start that stopped before the training finished).
     */
    void trainIfUntrained(boolean fresh) throws IOException {
        if (!demoTrained || !(fresh || onlyTheUntrainedDemo(models.repository().list()))) return;
        if (!fresh) LOG.info("the repository holds only the untrained demo (an earlier demo training did not finish): training it again");
        train(models.repository());
    }

    /**
     * Whether the repository holds nothing but the untrained built-in demo: the appliance stopped before the background
     * demo training finished, so it trains again instead of serving the untrained demo for good.
     */
    static boolean onlyTheUntrainedDemo(List<ModelRepository.Entry> entries) {
        return entries.size() == 1 && entries.get(0).name().equals("demo") && entries.get(0).version().equals("untrained-1")
                && entries.get(0).loadable() && entries.get(0).manifest().demo();
    }

    /**
     * The built-in default becomes the trained demo: prompts tuned on the synthetic parts, calibrated, activated once
     * ready unless an operator activated another model meanwhile. Serving goes on with the untrained demo until then.
     */
    private void train(ModelRepository repo) {
        try {
            LOG.info("training the demo model's prompts on the built-in synthetic parts (background)");
            DemoTraining.Result r = DemoTraining.train(repo.dir().resolve(".demo-training"), repo.bundleDir("demo", "trained-1"),
                    DemoTraining.Options.defaults(), p -> { }, line -> LOG.debug(line), stopping);
            if (stopping.getAsBoolean()) return;
            LoadedModel current = models.current();
            if (current != null && current.name().equals("demo") && current.version().equals("untrained-1")) {
                models.activate("demo", "trained-1");
            }
            LOG.infof("%s: %s", r.summary(), r.bundle().dir());
        } catch (CancellationException e) {
            LOG.info("demo training stopped: the appliance is shutting down (it trains again at the next start)");
        } catch (Exception e) {
            LOG.errorf(e, "training the demo model failed; the untrained demo keeps serving");
        }
    }
}
