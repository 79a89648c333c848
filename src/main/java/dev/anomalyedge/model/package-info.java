/**
 * AnomalyCLIP's settings ({@link dev.anomalyedge.model.AnomalyClipSettings}) and CLIP's dimensions
 * ({@link dev.anomalyedge.model.ClipArchitecture}), and the <b>model-math index</b>: every equation of the method, the
 * section of {@code docs/method.md} that states it, and each place that computes it. The same math runs in up to three
 * implementations that must agree (the golden tests pin all of them to the official code):
 * <ul>
 *   <li><b>ONNX graph</b> — the bundle's {@code visual.onnx}, written by {@code graph.ScoringGraphBuilder} with the fixed
 *       resampling matrices of {@code graph.Resampling}; this is what ONNX Runtime and TensorRT run for inspection;</li>
 *   <li><b>plain Java over cached features</b> — {@code evaluation.FeatureScorer}, the scoring head in double precision on
 *       features the frozen vision tower produced once (before/after scores of a training run);</li>
 *   <li><b>libtorch</b> — the text side and the training loss with autograd: {@code text.PromptLearner},
 *       {@code text.TextEncoder}, {@code training.torch.Losses}.</li>
 * </ul>
 * τ = {@link dev.anomalyedge.model.AnomalyClipSettings#TEMPERATURE} (0.07) everywhere; t = (t_n, t_a) are the
 * L2-normalised text features; "—" means that implementation does not need the equation.
 *
 * <table>
 * <caption>Equation → implementations</caption>
 * <tr><th>equation</th><th>method.md</th><th>ONNX graph</th><th>Java over features</th><th>libtorch</th></tr>
 * <tr><td>prompt construction: [prefix; ctx; suffix] for "X…X object." / "X…X damaged object."</td><td>§6.2</td>
 *     <td>— (text features are baked in as {@code text_embeddings})</td><td>— (reads the bundle's text features)</td>
 *     <td>{@code text.PromptTemplates#texts}, {@code PromptLearner#forward}, {@code PromptLearner#initialise}</td></tr>
 * <tr><td>text encoder with deep prompts: x[:, 1..t_n_ctx] = fp16(deep_j) at blocks 1..depth−1, causal blocks,
 *     t_c = ln_final(x)[eot_c]·text_projection, then t / ‖t‖</td><td>§6.3</td><td>—</td><td>—</td>
 *     <td>{@code TextEncoder#forward}, {@code #withDeepPrompt}, {@code #encodeNormalized}, {@code #normalize}
 *     (fp16 rounding as {@link dev.anomalyedge.tensor.Half#round})</td></tr>
 * <tr><td>positional-embedding resize G0 → G, bilinear, align_corners=False, CLS row kept</td><td>§5.2</td>
 *     <td>{@code Resampling#resizePositionalEmbedding} (at export), used by {@code ScoringGraphBuilder#embed}</td>
 *     <td>—</td><td>—</td></tr>
 * <tr><td>DPAM attention: a_vv = out_proj(concat_h softmax(v_h·v_hᵀ/√hd)·v_h) beside a_ori; V-V stream without MLP,
 *     fed from the original stream</td><td>§5.4</td>
 *     <td>{@code ScoringGraphBuilder#attention}, {@code #headAttention}, the block loop of {@code #build};
 *     which blocks: {@link dev.anomalyedge.model.AnomalyClipSettings#isDpamBlock}</td><td>— (features are cached)</td>
 *     <td>—</td></tr>
 * <tr><td>taps and patch features: z_k = ln_post(v or x after block k)·visual.proj; image feature
 *     f = o_L[CLS]·visual.proj without ln_post</td><td>§5.5, §5.6</td><td>{@code ScoringGraphBuilder#build}
 *     (outputs {@code patch_features}, {@code image_features})</td><td>— (input)</td><td>— (input)</td></tr>
 * <tr><td>similarity / temperature softmax: p = softmax_c(x̂·t_c / τ), x̂ = x / ‖x‖</td><td>§7.1, §7.2</td>
 *     <td>{@code ScoringGraphBuilder#probabilities}</td><td>{@code FeatureScorer#abnormalProbability}</td>
 *     <td>{@code Losses#compute} ({@code sim}, {@code p}, {@code logits})</td></tr>
 * <tr><td>image score = p_a of the image feature = 1 / (1 + exp((f̂·t_n − f̂·t_a) / τ))</td><td>§7.1</td>
 *     <td>{@code ScoringGraphBuilder#build} (output {@code image_score})</td><td>{@code FeatureScorer#score}</td>
 *     <td>— (the loss uses the logits, §8.1)</td></tr>
 * <tr><td>patch probabilities P_k = p_a per patch token, CLS dropped, on the G×G grid (token 1 + r·G + c)</td>
 *     <td>§7.2</td><td>{@code ScoringGraphBuilder#build} ({@code patch_abnormal}, {@code abnormal_grid})</td>
 *     <td>{@code FeatureScorer#map}</td><td>{@code Losses#compute} ({@code grid}, both channels)</td></tr>
 * <tr><td>tap reduction Σ_k P_k (MEAN: / K; map range {@link dev.anomalyedge.model.AnomalyClipSettings#mapUpperBound})
 *     and bilinear upsampling G → S, align_corners=False; reduced on the grid because both are linear</td>
 *     <td>§7.3</td><td>{@code ScoringGraphBuilder#build} ({@code map.sum_taps}), {@code Resampling#bilinear}</td>
 *     <td>{@code FeatureScorer#map} with {@code Resampling#bilinear}</td>
 *     <td>{@code Losses#compute}: {@code upsample_bilinear2d} per tap, no reduction (§8.2)</td></tr>
 * <tr><td>Gaussian smoothing σ, radius int(4σ + 0.5), mode reflect: map = (Gr·R)·M·(Gr·R)ᵀ</td><td>§7.4</td>
 *     <td>{@code Resampling#gaussian}, {@code #gaussianRadius}, {@code #multiply} (initializer
 *     {@code map.upsample_smooth})</td><td>{@code FeatureScorer#map} (matrix {@code a})</td>
 *     <td>— (the loss uses unsmoothed maps)</td></tr>
 * <tr><td>image loss CE(f̂·tᵀ / τ, label)</td><td>§8.1</td><td>—</td><td>—</td>
 *     <td>{@code Losses#compute} ({@code cross_entropy_loss}); MISSION: focal on the image probabilities and
 *     {@code Losses#marginLoss} (§10)</td></tr>
 * <tr><td>focal loss, γ 2, smoothing 1e-5, α 1 (MISSION 0.25 / 0.75)</td><td>§8.3</td><td>—</td><td>—</td>
 *     <td>{@code Losses#focal}</td></tr>
 * <tr><td>dice loss 1 − mean_b (2Σxy + 1) / (Σx + Σy + 1), abnormal vs gt and normal vs 1 − gt</td><td>§8.4</td>
 *     <td>—</td><td>—</td><td>{@code Losses#dice}</td></tr>
 * <tr><td>total L = L_img + 4·Σ_k (focal + dice_abn + dice_norm)</td><td>§8.5</td><td>—</td><td>—</td>
 *     <td>{@code Losses#compute} ({@code LAM}; MISSION: mean over taps)</td></tr>
 * </table>
 *
 * <p>Preprocessing (§4, {@code image.Preprocessor}, {@code image.PillowImage}) and the tokenizer (§6.1,
 * {@code tokenizer.ClipTokenizer}) run before all three and are shared by them.
 */
package dev.anomalyedge.model;
