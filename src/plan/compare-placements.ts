import type { LayoutSpec } from '../spec/spec-schema.js';
import type { Topology } from '../topology/model.js';
import { place, type PlaceOptions } from './place.js';

export interface PlacementComparison {
  /** Layout score of parker's placement (lower is better). */
  placed: number;
  /** Layout score of the first-fit baseline: lowest free CPU numbers, devices ignoring locality. */
  firstFit: number;
}

/** Both scores side by side, for `parker plan` and the benchmark to report. */
export function compareWithFirstFit(spec: LayoutSpec, topology: Topology, options: Omit<PlaceOptions, 'strategy'> = {}): PlacementComparison {
  return {
    placed: place(spec, topology, { ...options, strategy: 'topology' }).placement.score,
    firstFit: firstFitScore(spec, topology, options),
  };
}

/** The first-fit baseline's score alone, for callers that already placed the layout. */
export function firstFitScore(spec: LayoutSpec, topology: Topology, options: Omit<PlaceOptions, 'strategy'> = {}): number {
  return place(spec, topology, { ...options, strategy: 'first-fit' }).placement.score;
}
