package dev.anomalyedge.weights;

import dev.anomalyedge.util.Digests;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Entry point for weight files: detects the format from the file's first bytes and reads a {@link StateDict}.
 *
 * <ul>
 *   <li>safetensors: 8-byte little-endian header length, then a JSON header starting with '{';</li>
 *   <li>TorchScript archive ({@code torch.jit.save}, e.g. OpenAI's {@code ViT-L-14-336px.pt}): a zip with
 *       {@code <root>/code/} or {@code <root>/constants.pkl};</li>
 *   <li>PyTorch zip checkpoint ({@code torch.save}, PyTorch ≥ 1.6): any other zip with {@code <root>/data.pkl}.</li>
 * </ul>
 */
public final class Checkpoints {
    public enum Format { SAFETENSORS, TORCH_ZIP, TORCHSCRIPT }

    /** The prompt-learner tensors every AnomalyCLIP prompt checkpoint has. */
    private static final String[] PROMPT_LEARNER_KEYS = {"ctx_pos", "ctx_neg"};

    private static final String SUPPORTED = "supported: safetensors, PyTorch zip checkpoints (torch.save, PyTorch >= 1.6)"
            + " and TorchScript archives (torch.jit.save)";

    private Checkpoints() {}

    /** The format of {@code file}, from its magic bytes (and, for zips, its entries). */
    public static Format detect(Path file) {
        byte[] head = head(file, 16);
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            try (TorchZipArchive archive = TorchZipArchive.open(file)) {
                return archive.isTorchScript() ? Format.TORCHSCRIPT : Format.TORCH_ZIP;
            }
        }
        if (head.length >= 9 && head[8] == '{') return Format.SAFETENSORS;
        if (head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] <= 5) {
            throw new CheckpointException(file + ": a bare pickle, probably the legacy (non-zip) torch.save format of"
                    + " PyTorch < 1.6 or _use_new_zipfile_serialization=False, which is not supported; re-save it with"
                    + " a current PyTorch (torch.save(torch.load(f), f)) or convert it to safetensors (" + SUPPORTED + ")");
        }
        // the file's bytes are not quoted: whatever it is (a key, a password file), it must not reach a log
        throw new CheckpointException(file + ": not a checkpoint in a known format (" + SUPPORTED + "; legacy non-zip"
                + " torch.save files of PyTorch < 1.6 must be re-saved with a current PyTorch); "
                + (head.length < 9 ? "only " + head.length + " bytes" : "its first bytes match none of these formats"));
    }

    /** The flat state dict in {@code file}, whatever its format; int64 scalars of TorchScript/.pth files included. */
    public static StateDict read(Path file) {
        return switch (detect(file)) {
            case SAFETENSORS -> Safetensors.read(file);
            case TORCHSCRIPT -> TorchScriptArchive.read(file);
            case TORCH_ZIP -> TorchZipCheckpoint.read(file);
        };
    }

    /**
     * An AnomalyCLIP prompt-learner state dict: the official {@code torch.save({"prompt_learner": state_dict})}
     * format (e.g. {@code epoch_15.pth}), or the flat state dict itself (.safetensors or .pth).
     */
    public static StateDict readPromptLearner(Path file) {
        StateDict sd = switch (detect(file)) {
            case SAFETENSORS -> Safetensors.read(file);
            case TORCHSCRIPT -> throw new CheckpointException(file + ": a TorchScript archive (a CLIP model?), expected a"
                    + " prompt-learner checkpoint {\"prompt_learner\": state_dict} or a flat prompt-learner state dict");
            case TORCH_ZIP -> {
                try (TorchZipCheckpoint c = TorchZipCheckpoint.open(file)) {
                    if (c.node("prompt_learner") instanceof Map<?, ?>) yield c.stateDict("prompt_learner");
                    if (c.isStateDict()) yield c.stateDict();
                    throw new CheckpointException(file + ": expected {\"prompt_learner\": state_dict} or a flat state dict"
                            + " but the top level is a " + TorchPickle.typeName(c.root())
                            + (c.root() instanceof Map<?, ?> m ? " with keys " + TorchZipCheckpoint.keysOf(m.keySet()) : ""));
                }
            }
        };
        for (String key : PROMPT_LEARNER_KEYS) {
            if (!sd.contains(key)) {
                throw new CheckpointException(sd.source() + ": not an AnomalyCLIP prompt-learner state dict: missing key '"
                        + key + "'; found " + TorchZipCheckpoint.keysOf(sd.keys()));
            }
        }
        return sd;
    }

    /** SHA-256 of the file's bytes, lower-case hex (64 characters). */
    public static String sha256(Path file) {
        try {
            return Digests.sha256(file);
        } catch (java.io.UncheckedIOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getCause().getMessage(), e);
        }
    }

    private static byte[] head(Path file, int n) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(n);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }
}
