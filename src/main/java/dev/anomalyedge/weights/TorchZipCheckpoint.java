package dev.anomalyedge.weights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PyTorch zip checkpoint written by {@code torch.save} (PyTorch ≥ 1.6): {@code <root>/data.pkl} (pickle protocol 2)
 * plus raw storages {@code <root>/data/<key>}. The pickled object is read into a navigable tree
 * ({@link #root()}); {@link #stateDict(String...)} reads the tensors of one flat dict in it.
 *
 * <pre>{@code
 * StateDict clip = TorchZipCheckpoint.read(Path.of("clip_weights.pth"));              // a flat state dict
 * StateDict pl = TorchZipCheckpoint.read(Path.of("epoch_15.pth"), "prompt_learner");   // {"prompt_learner": state_dict}
 * }</pre>
 */
public final class TorchZipCheckpoint implements AutoCloseable {
    private final TorchZipArchive archive;
    private final Object root;

    private TorchZipCheckpoint(TorchZipArchive archive, Object root) {
        this.archive = archive;
        this.root = root;
    }

    /** Opens the archive and unpickles {@code data.pkl}; tensor bytes are read later, by {@link #stateDict}. */
    public static TorchZipCheckpoint open(Path file) {
        TorchZipArchive archive = TorchZipArchive.open(file);
        try {
            return new TorchZipCheckpoint(archive, archive.unpickle("data.pkl"));
        } catch (RuntimeException e) {
            archive.close();
            throw e;
        }
    }

    /** The flat state dict at the top level of {@code file}. */
    public static StateDict read(Path file) {
        try (TorchZipCheckpoint c = open(file)) {
            return c.stateDict();
        }
    }

    /** The flat state dict reached from the top-level dict through the keys {@code path}. */
    public static StateDict read(Path file, String... path) {
        try (TorchZipCheckpoint c = open(file)) {
            return c.stateDict(path);
        }
    }

    public Path file() { return archive.file(); }

    /**
     * The unpickled object: dicts are ordered {@link Map}s, lists {@link List}s, tuples {@code Object[]}, tensors
     * {@link StoredTensor}s, other class instances {@link PickledObject}s; str, Integer/Long/BigInteger, Double,
     * Boolean and null as such.
     */
    public Object root() { return root; }

    /** The node reached through dict keys {@code path} (compared as strings), or null when a key is missing. */
    public Object node(String... path) {
        Object node = root;
        for (String key : path) {
            if (!(node instanceof Map<?, ?> m)) return null;
            node = findKey(m, key);
        }
        return node;
    }

    /** True when the node at {@code path} is a non-empty dict whose values are all tensors. */
    public boolean isStateDict(String... path) {
        return node(path) instanceof Map<?, ?> m && !m.isEmpty()
                && m.values().stream().allMatch(v -> v instanceof StoredTensor);
    }

    /** Reads the tensors of the flat dict at {@code path} (none: the top level), in dict order. */
    public StateDict stateDict(String... path) {
        String where = path.length == 0 ? "" : " [" + String.join("/", path) + "]";
        Object node = root;
        for (int i = 0; i < path.length; i++) {
            if (!(node instanceof Map<?, ?> m)) {
                throw new CheckpointException(file() + ": cannot look up " + Names.quote(path[i]) + " in a "
                        + TorchPickle.typeName(node) + ", expected a dict");
            }
            node = findKey(m, path[i]);
            if (node == null) {
                throw new CheckpointException(file() + ": no key " + Names.quote(String.join("/", List.of(path).subList(0, i + 1)))
                        + "; keys there: " + keysOf(m.keySet()));
            }
        }
        if (!(node instanceof Map<?, ?> dict)) {
            throw new CheckpointException(file() + where + ": expected a state dict (name → tensor) but found a "
                    + TorchPickle.typeName(node) + hint());
        }
        Map<String, StoredTensor> named = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (!(e.getValue() instanceof StoredTensor t)) {
                throw new CheckpointException(file() + where + ": expected a flat state dict (name → tensor) but entry "
                        + Names.quote(e.getKey()) + " holds a " + TorchPickle.typeName(e.getValue()) + " value, not a tensor; keys: "
                        + keysOf(dict.keySet()) + hint());
            }
            named.put(String.valueOf(e.getKey()), t);
        }
        return archive.materialize(file() + where, named);
    }

    private String hint() {
        if (archive.isTorchScript()) return " (this is a TorchScript archive: read it with TorchScriptArchive)";
        return " (a nested dict is read with stateDict(\"key\", ...), e.g. AnomalyCLIP's {\"prompt_learner\": state_dict})";
    }

    private static Object findKey(Map<?, ?> m, String key) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (String.valueOf(e.getKey()).equals(key)) return e.getValue();
        }
        return null;
    }

    /** Up to 10 keys, each quoted by {@link Names#quote}, for messages. */
    static String keysOf(Collection<?> all) {
        List<String> keys = new ArrayList<>();
        for (Object k : all) {
            if (keys.size() == 10) {
                keys.add("… (" + all.size() + " in all)");
                break;
            }
            keys.add(Names.quote(k));
        }
        return keys.toString();
    }

    @Override
    public void close() {
        archive.close();
    }
}
