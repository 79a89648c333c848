package dev.anomalyedge.hotfolder;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.inspection.ApplianceState;
import dev.anomalyedge.service.Appliance;
import dev.anomalyedge.service.ApplianceStatus;
import dev.anomalyedge.service.HotFolderSettings;
import dev.anomalyedge.service.Inspections;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;

import java.io.IOException;

/**
 * The hot folder's lifecycle in the serving application: with {@code appliance.hotfolder.enabled=true} it starts the
 * {@link HotFolder} after the appliance started (a later startup priority than {@link Appliance}'s observer) and stops it
 * before the appliance closes (an earlier shutdown priority), so the file in hand is finished while the appliance
 * still serves. Nothing happens for one-shot commands.
 */
@ApplicationScoped
public class HotFolderAdapter {
    private static final Logger LOG = Logger.getLogger(HotFolderAdapter.class);

    /** After {@link Appliance}'s observers, which have the default priority. */
    static final int START_PRIORITY = Interceptor.Priority.APPLICATION + 600;
    /** Before {@link Appliance}'s observers. */
    static final int STOP_PRIORITY = Interceptor.Priority.APPLICATION + 400;

    @Inject
    HotFolderSettings settings;

    @Inject
    Inspections inspections;

    @Inject
    ApplianceStatus status;

    @Inject
    ObjectMapper json;

    private HotFolder folder;
    /** One more folder per recipe sub-folder present at start, {@code <dir>/<recipe>/}. */
    private final java.util.List<HotFolder> recipeFolders = new java.util.ArrayList<>();

    void onStart(@Observes @Priority(START_PRIORITY) StartupEvent event) {
        if (Boolean.getBoolean(Appliance.COMMAND_MODE) || !settings.enabled()) return;
        if (settings.dir().isEmpty()) {
            LOG.error("appliance.hotfolder.enabled=true but appliance.hotfolder.dir is not set: the hot folder is off");
            return;
        }
        HotFolder f = new HotFolder(settings.dir().get(), settings.pollInterval(), settings.stableFor(), settings.maxBytes(),
                inspections, json, this::serving, System::nanoTime);
        try {
            f.start();
            folder = f;
        } catch (IOException e) {
            LOG.errorf(e, "the hot folder %s cannot be used: it is off", settings.dir().get());
            return;
        }
        startRecipeFolders(settings.dir().get());
    }

    /**
     * A hot folder for each sub-folder of {@code dir} named like a recipe (not {@code processed}, not hidden), present at
     * start: its files are inspected with that recipe and filed in its own {@code processed/}. A sub-folder whose
     * recipe does not exist files its images as {@code unknown_recipe} ERROR results.
     */
    private void startRecipeFolders(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> subs = java.nio.file.Files.list(dir)) {
            for (java.nio.file.Path sub : subs.filter(java.nio.file.Files::isDirectory).sorted().toList()) {
                String name = sub.getFileName().toString();
                if (name.equals(HotFolder.PROCESSED) || !recipeName(name)) continue;
                HotFolder f = new HotFolder(sub, settings.pollInterval(), settings.stableFor(), settings.maxBytes(), inspections, json,
                        this::serving, System::nanoTime, name);
                try {
                    f.start();
                    recipeFolders.add(f);
                } catch (IOException e) {
                    LOG.errorf(e, "the hot folder %s (recipe %s) cannot be used: it is off", sub, name);
                }
            }
        } catch (IOException e) {
            LOG.errorf(e, "the hot folder %s: cannot list its recipe sub-folders", dir);
        }
    }

    private static boolean recipeName(String name) {
        try {
            dev.anomalyedge.recipe.RecipeStore.checkName(name);
            return true;
        } catch (dev.anomalyedge.recipe.RecipeException e) {
            return false;
        }
    }

    void onStop(@Observes @Priority(STOP_PRIORITY) ShutdownEvent event) {
        HotFolder f = folder;
        folder = null;
        if (f != null) f.close();
        for (HotFolder r : recipeFolders) r.close();
        recipeFolders.clear();
    }

    /** Files are taken only while a model serves (READY, or FAULT: still inspecting). */
    private boolean serving() {
        ApplianceState s = status.line().state();
        return s == ApplianceState.READY || s == ApplianceState.FAULT;
    }

    /** The running hot folder, or null (tests). */
    HotFolder folder() { return folder; }
}
