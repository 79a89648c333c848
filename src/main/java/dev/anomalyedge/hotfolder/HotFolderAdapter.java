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
 * still serves. Each sub-folder named like a recipe gets a folder of its own, started when the root folder's scan first
 * sees it (at start, or when it is made later). Nothing happens for one-shot commands.
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
    /** One more folder per recipe sub-folder {@code <dir>/<recipe>/}, by name: those present at start and those made later. */
    private final java.util.Map<String, HotFolder> recipeFolders = new java.util.TreeMap<>();
    private boolean stopped;

    void onStart(@Observes @Priority(START_PRIORITY) StartupEvent event) {
        if (Boolean.getBoolean(Appliance.COMMAND_MODE) || !settings.enabled()) return;
        if (settings.dir().isEmpty()) {
            LOG.error("appliance.hotfolder.enabled=true but appliance.hotfolder.dir is not set: the hot folder is off");
            return;
        }
        HotFolder f = new HotFolder(settings.dir().get(), settings.pollInterval(), settings.stableFor(), settings.maxBytes(),
                inspections, json, this::serving, System::nanoTime);
        // the root folder's scans see its sub-folders, including those made while the appliance runs
        f.onSubfolder(this::startRecipeFolder);
        try {
            f.start();
            folder = f;
        } catch (IOException e) {
            LOG.errorf(e, "the hot folder %s cannot be used: it is off", settings.dir().get());
        }
    }

    /**
     * Starts a hot folder for {@code sub}, a sub-folder of the hot folder named like a recipe (not {@code processed}, not
     * hidden), unless it runs already: its files are inspected with that recipe and filed in its own {@code processed/}.
     * A sub-folder whose recipe does not exist files its images as {@code unknown_recipe} ERROR results.
     */
    private synchronized void startRecipeFolder(java.nio.file.Path sub) {
        String name = sub.getFileName().toString();
        if (stopped || recipeFolders.containsKey(name) || !recipeName(name)) return;
        HotFolder f = new HotFolder(sub, settings.pollInterval(), settings.stableFor(), settings.maxBytes(), inspections, json,
                this::serving, System::nanoTime, name);
        try {
            f.start();
        } catch (IOException e) {
            LOG.errorf(e, "the hot folder %s (recipe %s) cannot be used: it is off", sub, name);
            f = null;
        }
        recipeFolders.put(name, f); // null: tried once, not again every scan
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
        synchronized (this) {
            stopped = true;
            for (HotFolder r : recipeFolders.values()) if (r != null) r.close();
            recipeFolders.clear();
        }
    }

    /** The running hot folder of recipe sub-folder {@code name}, or null (tests). */
    synchronized HotFolder recipeFolder(String name) { return recipeFolders.get(name); }

    /** Files are taken only while a model serves (READY, or FAULT: still inspecting). */
    private boolean serving() {
        ApplianceState s = status.line().state();
        return s == ApplianceState.READY || s == ApplianceState.FAULT;
    }

    /** The running hot folder, or null (tests). */
    HotFolder folder() { return folder; }
}
