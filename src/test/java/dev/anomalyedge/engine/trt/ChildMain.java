package dev.anomalyedge.engine.trt;

/** Child JVM main of {@link ChildProcessTest}: {@code lines N EXIT} prints N lines and exits; {@code hang} never ends. */
public final class ChildMain {
    public static void main(String[] args) throws InterruptedException {
        if (args[0].equals("hang")) {
            System.out.println("hanging");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
        int n = Integer.parseInt(args[1]);
        for (int i = 1; i <= n; i++) System.out.println("line " + i);
        System.err.println("error: the last words");
        System.exit(Integer.parseInt(args[2]));
    }
}
