// The one way a feature lives as long as its session (quality, stats, active speaker, files,
// chat): created on first use from the session, one per session however many elements ask,
// disposed with the session, in the reverse order of creation.

/** A per-session feature: anything, disposed with its session when it has a `dispose()`. */
export interface Feature {
  dispose?(): void;
}

/** Makes a feature for a session; the function itself is the feature's key. */
export type FeatureFactory<H, T extends Feature> = (host: H) => T;

/**
 * A session that keeps features (see Features). Its factories take the session itself,
 * typed by each as what it reads of it (a Session is all of those).
 */
export interface FeatureHost {
  feature<T extends Feature>(create: FeatureFactory<never, T>): T;
}

export class Features<H> {
  readonly #made = new Map<FeatureFactory<never, Feature>, Feature>();
  #disposed = false;

  constructor(private readonly host: H) {}

  /** The host's feature made by `create`, made now on first use. */
  get<T extends Feature>(create: FeatureFactory<never, T>): T {
    let feature = this.#made.get(create) as T | undefined;
    if (!feature) {
      feature = (create as FeatureFactory<H, T>)(this.host);
      this.#made.set(create, feature);
      // Asked for after the session ended (an element rendering late): inert from the start.
      if (this.#disposed) feature.dispose?.();
    }
    return feature;
  }

  /** Disposes every feature, the last made first. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const feature of [...this.#made.values()].reverse()) feature.dispose?.();
  }
}
