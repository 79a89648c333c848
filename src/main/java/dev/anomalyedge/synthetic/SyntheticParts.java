package dev.anomalyedge.synthetic;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * Seeded synthetic "parts" for the built-in demo: a machined disc on a textured background, optionally with a
 * defect (scratch, spot or chipped edge) whose exact mask is returned. Same seed, same pixels on every machine.
 */
public final class SyntheticParts {
    private SyntheticParts() {}

    public enum Defect { NONE, SCRATCH, SPOT, CHIP }

    /** An RGB image and its 8-bit mask (0 or 255; all 0 for a good part). */
    public record Sample(BufferedImage image, BufferedImage mask, Defect defect) {}

    public static Sample generate(int size, long seed, Defect defect) {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        // background: brushed-metal stripes + fine noise
        double phase = r.nextDouble() * Math.PI * 2;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                double v = 120 + 18 * Math.sin(x * 0.21 + phase) + 10 * Math.sin((x + y) * 0.05) + r.nextInt(-12, 13);
                int g = clamp(v);
                img.setRGB(x, y, (clamp(g * 0.95) << 16) | (g << 8) | clamp(g * 1.05));
            }
        }
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        double cx = size / 2.0 + r.nextInt(-size / 20, size / 20 + 1);
        double cy = size / 2.0 + r.nextInt(-size / 20, size / 20 + 1);
        double rad = size * (0.30 + 0.04 * r.nextDouble());
        g.setColor(new Color(190, 192, 196));
        g.fill(new Ellipse2D.Double(cx - rad, cy - rad, 2 * rad, 2 * rad));
        g.setColor(new Color(150, 152, 158));
        g.fill(new Ellipse2D.Double(cx - rad * 0.35, cy - rad * 0.35, rad * 0.7, rad * 0.7));
        g.dispose();

        BufferedImage mask = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        if (defect != Defect.NONE) {
            Graphics2D gi = img.createGraphics();
            Graphics2D gm = mask.createGraphics(); // no antialiasing: the mask is exactly 0/255
            gm.setColor(Color.WHITE);
            double a = r.nextDouble() * Math.PI * 2;
            double d = rad * (0.4 + 0.4 * r.nextDouble());
            double px = cx + d * Math.cos(a);
            double py = cy + d * Math.sin(a);
            switch (defect) {
                case SCRATCH -> {
                    double len = rad * (0.5 + 0.3 * r.nextDouble());
                    double b = r.nextDouble() * Math.PI;
                    Line2D line = new Line2D.Double(px - len / 2 * Math.cos(b), py - len / 2 * Math.sin(b),
                            px + len / 2 * Math.cos(b), py + len / 2 * Math.sin(b));
                    BasicStroke stroke = new BasicStroke(Math.max(2f, size / 64f));
                    gi.setStroke(stroke);
                    gm.setStroke(stroke);
                    gi.setColor(new Color(40, 30, 25));
                    gi.draw(line);
                    gm.draw(line);
                }
                case SPOT -> {
                    double s = rad * (0.12 + 0.1 * r.nextDouble());
                    Ellipse2D spot = new Ellipse2D.Double(px - s, py - s * 0.8, 2 * s, 1.6 * s);
                    gi.setColor(new Color(120, 70, 30));
                    gi.fill(spot);
                    gm.fill(spot);
                }
                case CHIP -> {
                    double s = rad * (0.25 + 0.1 * r.nextDouble());
                    double ex = cx + rad * Math.cos(a);
                    double ey = cy + rad * Math.sin(a);
                    Ellipse2D chip = new Ellipse2D.Double(ex - s, ey - s, 2 * s, 2 * s);
                    gi.setColor(new Color(25, 25, 30));
                    gi.fill(chip);
                    gm.fill(chip);
                }
                default -> { }
            }
            gi.dispose();
            gm.dispose();
        }
        return new Sample(img, mask, defect);
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }
}
