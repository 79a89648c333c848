package dev.anomalyedge.weights;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * An instance of a Python class that the checkpoint reader has no special meaning for (a TorchScript module
 * {@code __torch__.…}, {@code torch.device}, {@code argparse.Namespace}…): its qualified class name, the
 * constructor arguments from REDUCE/NEWOBJ, and the state from BUILD (for modules: an ordered attribute dict).
 */
public final class PickledObject {
    private final String className;
    private final List<Object> args;
    private Object state;

    PickledObject(String className, Object[] args) {
        this.className = className;
        this.args = Collections.unmodifiableList(Arrays.asList(args.clone()));
    }

    /** "module.Name", e.g. {@code __torch__.torch.nn.modules.module.___torch_mangle_9.Module}. */
    public String className() { return className; }

    public List<Object> args() { return args; }

    public Object state() { return state; }

    void setState(Object state) { this.state = state; }

    /** The BUILD state when it is a dict with string keys (attribute name → value, in pickle order), else empty. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> attributes() {
        if (state instanceof Map<?, ?> m && m.keySet().stream().allMatch(k -> k instanceof String)) {
            return Collections.unmodifiableMap((Map<String, Object>) m);
        }
        return Map.of();
    }

    @Override
    public String toString() { return "PickledObject[" + className + "]"; }
}
