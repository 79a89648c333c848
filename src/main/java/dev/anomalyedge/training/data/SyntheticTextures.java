package dev.anomalyedge.training.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * Seeded stationary textures for the generated data sets: a plain-woven fabric, the same statistics everywhere in
 * the image (unlike {@code synthetic.SyntheticParts}, which draws one part at a varying position), so that every
 * patch of a good image has look-alikes in every other good image. Per pixel at (x, y), with the image shifted by a
 * seeded offset (ox, oy):
 * <pre>
 * u = x + ox,  v = y + oy,  p = thread period (size / 20 px)
 * warp(u, v) = ½ − ½·cos(2π·u / p) · (1 + thread_jitter(⌊u/p⌋)),  weft(u, v) likewise across v
 * over/under = (⌊u/p⌋ + ⌊v/p⌋) even → the warp thread is on top, else the weft thread
 * grey = 150 + 50·(top − ½) + 10·Perlin(u, v at 3 cells) + uniform noise ±8,  tinted beige
 * </pre>
 * Defects, each with its exact 0/255 mask: a scratch (a dark line), a spot (a coloured stain), and, from
 * {@link PseudoAnomalies}, CutPaste (with colour jitter) and a DRAEM blob. Pure integer/double arithmetic and
 * Java2D without antialiasing driven by one {@link SplittableRandom}: same seed, same pixels on every machine.
 */
public final class SyntheticTextures {
    private SyntheticTextures() {}

    /** Defect types, in the order anomalous images cycle through them. */
    public enum Defect {
        NONE, SCRATCH, SPOT, CUTPASTE, DRAEM;

        /** Folder name of the defect type, as in the MVTec layout: scratch, spot, pseudo_cutpaste, pseudo_draem. */
        public String defectType() {
            return switch (this) {
                case NONE -> "good";
                case SCRATCH -> "scratch";
                case SPOT -> "spot";
                case CUTPASTE -> PseudoAnomalies.Method.CUTPASTE.defectType();
                case DRAEM -> PseudoAnomalies.Method.DRAEM.defectType();
            };
        }
    }

    /** An RGB image and its 8-bit mask (0 or 255; all 0 for a good texture). */
    public record Sample(BufferedImage image, BufferedImage mask) {}

    /** A {@code size}×{@code size} texture of seed {@code seed} with {@code defect}. */
    public static Sample generate(int size, long seed, Defect defect) {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage img = fabric(size, r);
        BufferedImage mask = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        switch (defect) {
            case NONE -> { }
            case SCRATCH, SPOT -> drawn(img, mask, defect, r);
            case CUTPASTE -> {
                PseudoAnomalies.Result p = PseudoAnomalies.cutPaste(img, r.nextLong(), false, true);
                return new Sample(p.image(), p.mask());
            }
            case DRAEM -> {
                PseudoAnomalies.Result p = PseudoAnomalies.draem(img, null, r.nextLong());
                return new Sample(p.image(), p.mask());
            }
        }
        return new Sample(img, mask);
    }

    /** The good woven texture (see the class comment). */
    private static BufferedImage fabric(int size, SplittableRandom r) {
        double period = Math.max(4.0, size / 20.0);
        int ox = r.nextInt(1 << 16), oy = r.nextInt(1 << 16);
        double[] warpJitter = new double[256], weftJitter = new double[256]; // thread thickness ±15 %, by thread index mod 256
        for (int i = 0; i < 256; i++) {
            warpJitter[i] = 0.15 * (2 * r.nextDouble() - 1);
            weftJitter[i] = 0.15 * (2 * r.nextDouble() - 1);
        }
        PerlinNoise shade = new PerlinNoise(r.nextLong());
        double cells = 3.0 / size;
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            double v = y + oy;
            int row = (int) Math.floor(v / period);
            for (int x = 0; x < size; x++) {
                double u = x + ox;
                int col = (int) Math.floor(u / period);
                double warp = 0.5 - 0.5 * StrictMath.cos(2 * Math.PI * u / period) * (1 + warpJitter[col & 255]);
                double weft = 0.5 - 0.5 * StrictMath.cos(2 * Math.PI * v / period) * (1 + weftJitter[row & 255]);
                double top = ((col + row) & 1) == 0 ? warp : weft;
                double grey = 150 + 50 * (top - 0.5) + 10 * shade.at(u * cells, v * cells) + r.nextInt(-8, 9);
                img.setRGB(x, y, (clamp(grey * 1.08) << 16) | (clamp(grey) << 8) | clamp(grey * 0.85));
            }
        }
        return img;
    }

    /** A scratch or a spot drawn into {@code img}, and the same shape filled into {@code mask}. */
    private static void drawn(BufferedImage img, BufferedImage mask, Defect defect, SplittableRandom r) {
        int size = img.getWidth();
        double px = size * (0.2 + 0.6 * r.nextDouble()), py = size * (0.2 + 0.6 * r.nextDouble());
        Graphics2D gi = img.createGraphics(), gm = mask.createGraphics(); // no antialiasing: the mask is exactly 0/255
        gm.setColor(Color.WHITE);
        if (defect == Defect.SCRATCH) {
            double len = size * (0.25 + 0.2 * r.nextDouble()), b = r.nextDouble() * Math.PI;
            Line2D line = new Line2D.Double(px - len / 2 * StrictMath.cos(b), py - len / 2 * StrictMath.sin(b),
                    px + len / 2 * StrictMath.cos(b), py + len / 2 * StrictMath.sin(b));
            BasicStroke stroke = new BasicStroke(Math.max(2f, size / 64f));
            gi.setStroke(stroke);
            gm.setStroke(stroke);
            gi.setColor(new Color(45, 35, 30));
            gi.draw(line);
            gm.draw(line);
        } else {
            double s = size * (0.04 + 0.04 * r.nextDouble());
            Ellipse2D spot = new Ellipse2D.Double(px - s, py - s * 0.8, 2 * s, 1.6 * s);
            gi.setColor(new Color(110, 60, 35));
            gi.fill(spot);
            gm.fill(spot);
        }
        gi.dispose();
        gm.dispose();
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
