// Camera quality profiles: what the camera captures and what each connection may send.

export type QualityProfile = 'low' | 'medium' | 'high' | 'auto';

interface ProfileSpec {
  width: number;
  height: number;
  frameRate: number;
  /** Most bits per second one connection may send for the camera. */
  maxBitrate: number;
}

export const PROFILES: Record<Exclude<QualityProfile, 'auto'>, ProfileSpec> = {
  low: { width: 320, height: 240, frameRate: 15, maxBitrate: 150_000 },
  medium: { width: 640, height: 480, frameRate: 20, maxBitrate: 500_000 },
  high: { width: 1280, height: 720, frameRate: 30, maxBitrate: 1_500_000 },
};

export function isQualityProfile(value: unknown): value is QualityProfile {
  return value === 'low' || value === 'medium' || value === 'high' || value === 'auto';
}

/** Capture constraints for a profile (auto captures at `high` and scales per peer). */
export function captureShape(profile: QualityProfile = 'auto'): Pick<MediaTrackConstraints, 'width' | 'height' | 'frameRate'> {
  const spec = PROFILES[profile === 'auto' ? 'high' : profile];
  return { width: { ideal: spec.width }, height: { ideal: spec.height }, frameRate: { ideal: spec.frameRate } };
}
