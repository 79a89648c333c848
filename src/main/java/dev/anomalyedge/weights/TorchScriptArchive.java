package dev.anomalyedge.weights;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TorchScript archive ({@code torch.jit.save}), e.g. OpenAI's released {@code ViT-L-14-336px.pt}, read as the
 * state dict {@code torch.jit.load(f).state_dict()} would give, without running its code.
 *
 * <p>{@code <root>/data.pkl} holds the module object tree: every module is an instance of a class
 * {@code __torch__.…} whose BUILD state is its attributes in declaration order (tensors, sub-modules, flags such
 * as {@code training}). Which attributes are parameters and buffers is declared by the class source in
 * {@code <root>/code/__torch__/…/<module>.py}:
 * <pre>
 * class Module(Module):
 *   __parameters__ = ["positional_embedding", "text_projection", "logit_scale", ]
 *   __buffers__ = ["input_resolution", "context_length", "vocab_size", ]
 * </pre>
 * Like {@code nn.Module.state_dict()}, each module contributes its parameters, then its buffers, then its
 * sub-modules (prefix {@code name.}), each group in attribute order; None-valued parameters are skipped. A
 * sub-module held by several parents (the same pickled object) is listed under each name, as PyTorch does, and
 * its tensors are decoded once.
 *
 * <p>The walk is bounded: a module that contains itself is an error, and so is a tree of more than
 * {@value #MAX_WALK_STEPS} modules and attributes, counting shared sub-modules at each use (a few KiB of
 * pickle can share sub-modules into 2^60 paths). OpenAI's ViT-L/14 needs about 2,000.
 */
public final class TorchScriptArchive {
    /** Real module trees are < 10 levels deep; deeper means a hostile file. */
    private static final int MAX_DEPTH = 100;
    /** Modules visited plus attributes looked at, shared sub-modules counted at each use. */
    static final int MAX_WALK_STEPS = 50_000;
    /** The OpenAI ViT-L code file is a few hundred KiB. */
    private static final long MAX_CODE_BYTES = 64L << 20;

    private static final Pattern CLASS = Pattern.compile("^class\\s+(\\w+)\\s*(?:\\((.*)\\))?\\s*:");
    private static final Pattern LIST = Pattern.compile("^\\s+(__parameters__|__buffers__)\\s*=\\s*\\[(.*)]");
    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"|'([^']*)'");

    /** What the class source says about a class: is it a module, its parameters, its buffers (null: not declared). */
    private record ScriptClass(boolean module, List<String> parameters, List<String> buffers) {}

    private final TorchZipArchive archive;
    private final Map<String, ScriptClass> classes = new HashMap<>();
    private final Map<String, String> sources = new HashMap<>(); // code file -> its text, read once
    private final Map<String, StoredTensor> named = new LinkedHashMap<>();
    private final Set<PickledObject> path = Collections.newSetFromMap(new IdentityHashMap<>()); // modules being walked
    private int steps;

    private TorchScriptArchive(TorchZipArchive archive) {
        this.archive = archive;
    }

    /** The archive's {@code state_dict()}: parameters and buffers of the whole module tree, dotted names. */
    public static StateDict read(Path file) {
        try (TorchZipArchive archive = TorchZipArchive.open(file)) {
            if (!archive.isTorchScript()) {
                throw new CheckpointException(file + ": not a TorchScript archive (no 'code/' or 'constants.pkl'"
                        + " entries); a torch.save checkpoint is read with TorchZipCheckpoint");
            }
            Object root = archive.unpickle("data.pkl");
            if (!(root instanceof PickledObject module)) {
                throw new CheckpointException(file + ": entry " + Names.quote(archive.root() + "data.pkl") + " holds a "
                        + TorchPickle.typeName(root) + ", expected a scripted module object");
            }
            TorchScriptArchive reader = new TorchScriptArchive(archive);
            reader.collect("", module, 0);
            return archive.materialize(file.toString(), reader.named);
        }
    }

    /** Adds the module's parameters, then buffers, then recurses into its sub-modules. */
    private void collect(String prefix, PickledObject module, int depth) {
        if (depth > MAX_DEPTH) {
            throw new CheckpointException(archive.file() + ": module tree deeper than " + MAX_DEPTH + " levels at "
                    + Names.quote(prefix));
        }
        Map<String, Object> attributes = module.attributes();
        step(1 + attributes.size());
        ScriptClass cls = scriptClass(module.className());
        for (Map.Entry<String, Object> a : attributes.entrySet()) {
            if (isParameter(cls, a.getKey(), a.getValue())) add(prefix, module, a.getKey(), a.getValue());
        }
        for (Map.Entry<String, Object> a : attributes.entrySet()) {
            if (isBuffer(cls, a.getKey(), a.getValue())) add(prefix, module, a.getKey(), a.getValue());
        }
        path.add(module);
        for (Map.Entry<String, Object> a : attributes.entrySet()) {
            if (a.getValue() instanceof PickledObject child && isModule(child)) {
                if (path.contains(child)) {
                    throw new CheckpointException(archive.file() + ": module " + Names.quote(prefix + a.getKey())
                            + " (class " + TorchPickle.typeName(child) + ") contains itself: the module tree is cyclic");
                }
                collect(prefix + a.getKey() + ".", child, depth + 1);
            }
        }
        path.remove(module);
    }

    private void step(int n) {
        steps += n;
        if (steps > MAX_WALK_STEPS) {
            throw new CheckpointException(archive.file() + ": module tree larger than " + MAX_WALK_STEPS
                    + " modules and attributes (shared sub-modules counted at each use); a real model has a few"
                    + " thousand, so the archive is corrupt or hostile");
        }
    }

    private void add(String prefix, PickledObject module, String attribute, Object value) {
        if (value == null) return; // an optional parameter set to None (e.g. a missing bias) is not in state_dict()
        if (!(value instanceof StoredTensor t)) {
            throw new CheckpointException(archive.file() + ": " + Names.quote(prefix + attribute) + " (class "
                    + TorchPickle.typeName(module) + ") is declared a parameter or buffer but holds a "
                    + TorchPickle.typeName(value));
        }
        named.put(prefix + attribute, t);
    }

    /** Without class source every tensor attribute counts as a parameter (parameters and buffers alike are state). */
    private static boolean isParameter(ScriptClass cls, String name, Object value) {
        return cls == null ? value instanceof StoredTensor : cls.parameters().contains(name);
    }

    /** Archives written before {@code __buffers__} existed: every tensor attribute that is not a parameter. */
    private static boolean isBuffer(ScriptClass cls, String name, Object value) {
        if (cls == null) return false;
        if (cls.buffers() == null) return value instanceof StoredTensor && !cls.parameters().contains(name);
        return cls.buffers().contains(name);
    }

    private boolean isModule(PickledObject o) {
        ScriptClass cls = scriptClass(o.className());
        if (cls != null) return cls.module();
        return o.attributes().get("training") instanceof Boolean; // every nn.Module has it
    }

    /** The class's declaration in {@code code/<module path>.py}, or null when the archive has no source for it. */
    private ScriptClass scriptClass(String qualifiedName) {
        if (classes.containsKey(qualifiedName)) return classes.get(qualifiedName);
        ScriptClass cls = null;
        int dot = qualifiedName.lastIndexOf('.');
        if (qualifiedName.startsWith("__torch__.") && dot > 0) {
            String source = "code/" + qualifiedName.substring(0, dot).replace('.', '/') + ".py";
            if (archive.hasEntry(source)) cls = parseClass(source(source), qualifiedName.substring(dot + 1));
        }
        classes.put(qualifiedName, cls);
        return cls;
    }

    /** The text of a code file, read once (many classes share one file); its String is charged like its bytes. */
    private String source(String entry) {
        String code = sources.get(entry);
        if (code == null) {
            byte[] bytes = archive.readEntry(entry, MAX_CODE_BYTES);
            archive.budget().charge(2L * bytes.length, "the text of entry " + Names.quote(archive.root() + entry));
            code = new String(bytes, StandardCharsets.UTF_8);
            sources.put(entry, code);
        }
        return code;
    }

    /** Finds {@code class <name>(<bases>):} and its {@code __parameters__} / {@code __buffers__} lists. */
    private static ScriptClass parseClass(String code, String name) {
        boolean inClass = false;
        boolean module = false;
        List<String> parameters = new ArrayList<>();
        List<String> buffers = null;
        for (String line : code.split("\n")) {
            Matcher c = CLASS.matcher(line);
            if (c.find()) {
                if (inClass) break; // the next class starts
                inClass = c.group(1).equals(name);
                module = inClass && c.group(2) != null && c.group(2).trim().equals("Module");
                continue;
            }
            if (!inClass) continue;
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0))) break; // class body ended
            Matcher l = LIST.matcher(line);
            if (l.find()) {
                List<String> names = new ArrayList<>();
                Matcher q = QUOTED.matcher(l.group(2));
                while (q.find()) names.add(q.group(1) != null ? q.group(1) : q.group(2));
                if (l.group(1).equals("__parameters__")) parameters = names;
                else buffers = names;
            }
        }
        return inClass ? new ScriptClass(module, parameters, buffers) : null;
    }
}
