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
        }
    }

    void onStop(@Observes @Priority(STOP_PRIORITY) ShutdownEvent event) {
        HotFolder f = folder;
        folder = null;
        if (f != null) f.close();
    }

    /** Files are taken only while a model serves (READY, or FAULT: still inspecting). */
    private boolean serving() {
        ApplianceState s = status.line().state();
        return s == ApplianceState.READY || s == ApplianceState.FAULT;
    }

    /** The running hot folder, or null (tests). */
    HotFolder folder() { return folder; }
}
