package dev.anomalyedge.api;

import dev.anomalyedge.service.Trainings;
import dev.anomalyedge.training.TrainingJobs;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
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
    Trainings trainings;

    @Inject
    ApiKeys apiKeys;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start prompt tuning on a data folder on the box (needs the API key)",
            description = "Body: {\"data\": \"/data/part-a\", \"format\": \"auto|mvtec|visa|meta|folder\", \"epochs\": 15, "
                    + "\"batch_size\": 8, \"lr\": 0.001, \"seed\": 111, \"recipe\": \"official|mission\", \"pseudo_anomalies\": false, "
                    + "\"name\": \"part-a\", \"version\": \"2\", \"clip\": \"(default: the active bundle's CLIP checkpoint)\", "
                    + "\"validation_data\": \"/data/part-a-val (evaluate and calibrate the new bundle on it)\", "
                    + "\"target_false_alarm_rate\": 0.01, \"target_recall\": 0.95, "
                    + "\"device\": \"auto|cpu|cuda (libtorch; auto = CUDA when libtorch sees a GPU)\"}")
    public Response start(Trainings.JobRequest body, @Context HttpHeaders headers) throws IOException {
        apiKeys.require(headers);
        TrainingJobs.JobStatus job = trainings.start(body);
        return Response.status(Response.Status.ACCEPTED).entity(job)
                .header("Location", "/api/v1/training-jobs/" + job.id()).build();
    }

    @GET
    @Operation(summary = "All training jobs of this run of the appliance (needs the API key)")
    public List<TrainingJobs.JobStatus> list(@Context HttpHeaders headers) {
        apiKeys.require(headers);
        return trainings.list();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Progress (phase, epoch, step, loss, ETA), then final metrics and calibration (needs the API key)")
    public TrainingJobs.JobStatus status(@PathParam("id") String id, @Context HttpHeaders headers) {
        apiKeys.require(headers);
        return trainings.status(id);
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Cancel a queued or running job (needs the API key)")
    public TrainingJobs.JobStatus cancel(@PathParam("id") String id, @Context HttpHeaders headers) {
        apiKeys.require(headers);
        return trainings.cancel(id);
    }

    @POST
    @Path("{id}/activate")
    @Operation(summary = "Activate the bundle of a finished job (needs the API key): zero-downtime swap")
    public Map<String, Object> activate(@PathParam("id") String id, @Context HttpHeaders headers) throws IOException {
        apiKeys.require(headers);
        return trainings.activate(id);
    }
}
