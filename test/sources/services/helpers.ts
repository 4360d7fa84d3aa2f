// Shared by the services and registry tests: ask a LoadedZone's image a question.

import { AnswerEngine } from '../../../src/answer/answer.ts';
import type { LoadedZone } from '../../../src/primary/zone-loader.ts';
import { ask, defaultOptions, type Decoded } from '../../helpers/engine.ts';

export function askZone(zones: LoadedZone[], name: string, type: string): Decoded {
  const engine = new AnswerEngine(defaultOptions);
  engine.setZones(zones.map((z) => z.image));
  return ask(engine, name, type);
}

/** The addresses (or other data) of an answer, sorted. */
export function answerData(zones: LoadedZone[], name: string, type: string): string[] {
  return askZone(zones, name, type)
    .answers.filter((a) => a.type === type)
    .map((a) => String(a.data))
    .sort();
}
