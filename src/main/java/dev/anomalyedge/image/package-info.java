/**
 * Image input and output for the appliance, bit-exact with AnomalyCLIP's Pillow/torchvision pre-processing.
 *
 * <pre>
 * bytes ─► {@link dev.anomalyedge.image.ImageDecoder} (pixel and decoded-bytes limits from the header; optional
 *          subsampling while decoding for huge images) ─► {@link dev.anomalyedge.image.PillowImage} (Pillow mode)
 *       ─► {@link dev.anomalyedge.image.Preprocessor#image} = {@link dev.anomalyedge.image.Preprocessor#resizeRgb}
 *          (resize S×S bicubic, {@link dev.anomalyedge.image.PillowResample}; convert('RGB'))
 *          then {@link dev.anomalyedge.image.Preprocessor#tensor} (/255, (x − mean)/std) ─► float[3·S·S] CHW
 *       ─► {@link dev.anomalyedge.image.Preprocessor#mask}  : convert('L'), &gt;0, bilinear S×S, &gt;0.5 ─► float[S·S] 0/1
 * anomaly map ─► {@link dev.anomalyedge.image.Heatmap} (jet overlay / grey PNG) ─► {@link dev.anomalyedge.image.ImageEncoder}
 * </pre>
 * JDK only ({@code javax.imageio}).
 */
package dev.anomalyedge.image;
