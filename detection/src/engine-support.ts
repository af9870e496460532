import fs from 'node:fs';
import path from 'node:path';
import { loadPipelines, type Pipeline } from './pipeline.js';
import { loadPlaceholders } from './loader.js';

/** The processing pipelines and `expand` placeholders the platform's rules are compiled with. */
export function loadEngineSupport(policiesDir: string): { pipelines: Pipeline[]; placeholders: Record<string, string[]> } {
  const pipeline = path.join(policiesDir, 'sigma-pipelines', 'ecs.yml');
  const placeholders = path.join(policiesDir, 'detection-placeholders.yaml');
  return {
    pipelines: fs.existsSync(pipeline) ? loadPipelines(pipeline) : [],
    placeholders: fs.existsSync(placeholders) ? loadPlaceholders(placeholders) : {},
  };
}
