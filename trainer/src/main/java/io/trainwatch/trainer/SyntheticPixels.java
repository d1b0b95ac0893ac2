package io.trainwatch.trainer;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A generated image-like classification problem: {@value #SIDE}x{@value #SIDE} grey-scale "pixels"
 * with intensities in 0..255, one random stroke pattern per class, each example a shifted,
 * brightness-jittered, noisy copy of its class's pattern. Deterministic for a seed; needs no
 * download. An MLP learns it to high accuracy in a few hundred steps.
 */
public final class SyntheticPixels {

  /** Image side in pixels. */
  public static final int SIDE = 8;

  /** Features per example. */
  public static final int FEATURES = SIDE * SIDE;

  private static final double NOISE = 30;

  private final int numClasses;
  private final int examples;
  private final float[] pixels;
  private final int[] labels;
  private final float[] featureMean = new float[FEATURES];
  private final float[] featureStd = new float[FEATURES];

  private SyntheticPixels(int numClasses, int examples, float[] pixels, int[] labels) {
    this.numClasses = numClasses;
    this.examples = examples;
    this.pixels = pixels;
    this.labels = labels;
    computeFeatureMoments();
  }

  /**
   * Generates a data set.
   *
   * @param numClasses classes, >= 2
   * @param examples examples, >= 1
   * @param seed the same seed gives the same data
   */
  public static SyntheticPixels generate(int numClasses, int examples, long seed) {
    if (numClasses < 2) {
      throw new IllegalArgumentException("numClasses=" + numClasses + ": must be >= 2");
    }
    if (examples < 1) {
      throw new IllegalArgumentException("examples=" + examples + ": must be >= 1");
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[][] prototypes = new float[numClasses][];
    for (int c = 0; c < numClasses; c++) {
      prototypes[c] = prototype(random);
    }
    float[] pixels = new float[examples * FEATURES];
    int[] labels = new int[examples];
    for (int i = 0; i < examples; i++) {
      int c = i % numClasses;
      labels[i] = c;
      drawExample(prototypes[c], random, pixels, i * FEATURES);
    }
    return new SyntheticPixels(numClasses, examples, pixels, labels);
  }

  public int numClasses() {
    return numClasses;
  }

  public int examples() {
    return examples;
  }

  /** The label of one example. */
  public int label(int example) {
    return labels[example];
  }

  /** The raw pixels (0..255) of one example, row-major. */
  public float[] rawPixels(int example) {
    float[] out = new float[FEATURES];
    System.arraycopy(pixels, example * FEATURES, out, 0, FEATURES);
    return out;
  }

  /**
   * A minibatch: features [rows, {@value #FEATURES}] scaled as asked, one-hot labels [rows,
   * classes].
   *
   * @param order a permutation of the example indices (an epoch's shuffle)
   * @param from the first position in {@code order}; positions wrap around
   */
  public DataSet batch(int[] order, int from, int rows, InputScaling scaling) {
    return batch(order, from, rows, scaling, -1);
  }

  /**
   * A minibatch as {@link #batch(int[], int, int, InputScaling)}, but with every label replaced by
   * {@code forcedClass} when it is >= 0: a broken label pipeline.
   */
  public DataSet batch(int[] order, int from, int rows, InputScaling scaling, int forcedClass) {
    if (forcedClass >= numClasses) {
      throw new IllegalArgumentException(
          "forcedClass=" + forcedClass + ": must be < classes=" + numClasses);
    }
    float[] features = new float[rows * FEATURES];
    float[] oneHot = new float[rows * numClasses];
    for (int r = 0; r < rows; r++) {
      int example = order[(from + r) % order.length];
      int src = example * FEATURES;
      int dst = r * FEATURES;
      for (int f = 0; f < FEATURES; f++) {
        float v = pixels[src + f];
        features[dst + f] =
            switch (scaling) {
              case RAW -> v;
              case UNIT -> v / 255f;
              case STANDARDIZED -> (v - featureMean[f]) / featureStd[f];
            };
      }
      oneHot[r * numClasses + (forcedClass >= 0 ? forcedClass : labels[example])] = 1f;
    }
    INDArray x = Nd4j.create(features, new long[] {rows, FEATURES}, DataType.FLOAT);
    INDArray y = Nd4j.create(oneHot, new long[] {rows, numClasses}, DataType.FLOAT);
    return new DataSet(x, y);
  }

  /** A random permutation of the example indices. */
  public int[] shuffledOrder(SplittableRandom random) {
    int[] order = new int[examples];
    for (int i = 0; i < examples; i++) {
      order[i] = i;
    }
    for (int i = examples - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  /** Two or three bright strokes (row, column or diagonal segments) on a dark background. */
  private static float[] prototype(SplittableRandom random) {
    float[] p = new float[FEATURES];
    int strokes = 2 + random.nextInt(2);
    for (int s = 0; s < strokes; s++) {
      int kind = random.nextInt(3);
      int fixed = random.nextInt(SIDE);
      int start = random.nextInt(SIDE / 2);
      int length = SIDE / 2 + random.nextInt(SIDE / 2);
      float intensity = 170 + random.nextInt(86);
      for (int k = start; k < Math.min(SIDE, start + length); k++) {
        int row = kind == 0 ? fixed : k;
        int col = kind == 1 ? fixed : (kind == 2 ? (k + fixed) % SIDE : k);
        p[row * SIDE + col] = Math.max(p[row * SIDE + col], intensity);
      }
    }
    return p;
  }

  private static void drawExample(
      float[] prototype, SplittableRandom random, float[] out, int offset) {
    int dx = random.nextInt(3) - 1;
    int dy = random.nextInt(3) - 1;
    double brightness = 0.8 + 0.4 * random.nextDouble();
    for (int row = 0; row < SIDE; row++) {
      for (int col = 0; col < SIDE; col++) {
        int srcRow = row - dy;
        int srcCol = col - dx;
        double v =
            srcRow < 0 || srcRow >= SIDE || srcCol < 0 || srcCol >= SIDE
                ? 0
                : prototype[srcRow * SIDE + srcCol] * brightness;
        v += 15 + NOISE * gaussian(random);
        out[offset + row * SIDE + col] = (float) Math.min(255, Math.max(0, Math.rint(v)));
      }
    }
  }

  private static double gaussian(SplittableRandom random) {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
    double u = 1 - random.nextDouble();
    double v = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  private void computeFeatureMoments() {
    for (int f = 0; f < FEATURES; f++) {
      double sum = 0;
      double sumSq = 0;
      for (int i = 0; i < examples; i++) {
        double v = pixels[i * FEATURES + f];
        sum += v;
        sumSq += v * v;
      }
      double mean = sum / examples;
      double variance = Math.max(0, sumSq / examples - mean * mean);
      featureMean[f] = (float) mean;
      // A constant pixel would divide by zero; leave it centered instead.
      featureStd[f] = (float) Math.max(1e-3, Math.sqrt(variance));
    }
  }
}
