package dev.anomalyedge.mqtt;

import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;

/**
 * The MQTT trigger: takes images published on {@code …/trigger}, has the {@link TriggerHandler} inspect each one on a
 * small bounded executor (never on the MQTT client's threads, which would stall the connection for the inference
 * time), and queues the result as the MQTT 5 response: to the message's Response Topic with its Correlation Data
 * copied, through the store-and-forward queue. A trigger that finds the executor and its backlog full is answered
 * at once with the queue_full ERROR result. Every trigger with a Response Topic gets exactly one response; one
 * without gets none there (its result still goes to {@code …/result}).
 *
 * <p>The part id is the user property {@code part_id}, the recipe the user property {@code recipe}. The subscription (QoS 1) is made again on every connect,
 * because the client connects with clean start and so the broker forgets it with each connection.
 */
final class TriggerSubscriber implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TriggerSubscriber.class);

    static final String PART_ID_PROPERTY = "part_id";
    /** The user property that selects a recipe (none: the appliance's default recipe, if any). */
    static final String RECIPE_PROPERTY = "recipe";
    private static final long CLOSE_TIMEOUT_S = 30;

    /** Where the answers go: the publisher's store-and-forward queue. */
    interface Responder {
        void respond(String responseTopic, byte[] correlationData, String resultJson);
    }

    private final String topic;
    private final TriggerHandler handler;
    private final Responder responder;
    private final ThreadPoolExecutor executor;

    /**
     * @param workers triggers inspected at once (each waits for its inference)
     * @param backlog triggers waiting for a worker; beyond it a trigger is answered with queue_full
     */
    TriggerSubscriber(Topics topics, TriggerHandler handler, int workers, int backlog, Responder responder) {
        if (workers < 1 || backlog < 0) {
            throw new IllegalArgumentException("trigger workers must be >= 1 and backlog >= 0, found " + workers + ", " + backlog);
        }
        this.topic = topics.trigger();
        this.handler = handler;
        this.responder = responder;
        BlockingQueue<Runnable> queue = backlog == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(backlog);
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, queue, r -> {
            Thread t = new Thread(r, "mqtt-trigger-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    /**
     * Subscribes to the trigger topic with this subscriber as its callback; call on every (re)connect. The client
     * ends a subscription's callback with the session, and the session ends with every connection (clean start), so
     * each connection gets a new subscription and callback, and there is never more than one.
     */
    void subscribe(Mqtt5AsyncClient client) {
        client.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).callback(this::onMessage).send()
                .whenComplete((ack, error) -> {
                    if (error != null) {
                        LOG.errorf("MQTT trigger: cannot subscribe to %s: %s (triggers are not received until the next "
                                + "connect)", topic, error.toString());
                    } else if (ack.getReasonCodes().stream().anyMatch(c -> c.isError())) {
                        LOG.errorf("MQTT trigger: the broker refused the subscription to %s: %s", topic, ack.getReasonCodes());
                    } else {
                        LOG.debugf("MQTT trigger: subscribed to %s", topic);
                    }
                });
    }

    String topic() {
        return topic;
    }

    private static String userProperty(Mqtt5Publish message, String name) {
        return message.getUserProperties().asList().stream().filter(p -> p.getName().toString().equals(name))
                .map(p -> p.getValue().toString()).findFirst().orElse(null);
    }

    /** On the client's thread: hands the trigger to the executor, or answers queue_full at once. */
    private void onMessage(Mqtt5Publish message) {
        String from = message.getTopic().toString();
        if (!from.equals(topic)) {
            return;   // cannot happen: the filter has no wildcard
        }
        String source = "mqtt:" + from;
        String partId = userProperty(message, PART_ID_PROPERTY);
        String recipe = userProperty(message, RECIPE_PROPERTY);
        String responseTopic = message.getResponseTopic().map(Object::toString).orElse(null);
        byte[] correlation = message.getCorrelationData().map(TriggerSubscriber::bytes).orElse(null);
        byte[] image = message.getPayloadAsBytes();
        try {
            executor.execute(() -> answer(responseTopic, correlation, () -> handler.trigger(image, source, partId, recipe)));
        } catch (RejectedExecutionException e) {
            answer(responseTopic, correlation, () -> handler.queueFull(source, partId));
        }
    }

    private void answer(String responseTopic, byte[] correlation, java.util.function.Supplier<String> result) {
        String json;
        try {
            json = result.get();
        } catch (RuntimeException e) {
            // the handler never throws; if it did there is no result document to answer with
            LOG.errorf(e, "MQTT trigger: no result for a trigger on %s", topic);
            return;
        }
        if (responseTopic != null) {
            responder.respond(responseTopic, correlation, json);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    /** Takes no new triggers and waits (bounded) until those taken are answered. */
    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(CLOSE_TIMEOUT_S, TimeUnit.SECONDS)) {
                LOG.warnf("MQTT trigger: triggers still running after %d s at shutdown", CLOSE_TIMEOUT_S);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
