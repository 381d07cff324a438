import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

import { detectLanguage } from '../domain/language.js';
import type { Language } from '../domain/language.js';

/** One recording with the words a listener hears in it. */
export interface ReferenceItem {
  /** Path relative to the set's folder, used as the item's id in reports. */
  file: string;
  absolutePath: string;
  language: Language;
  reference: string;
}

const AUDIO_EXTENSIONS = new Set(['.wav', '.mp3', '.ogg', '.opus', '.flac']);

/**
 * Reads a folder of recordings with reference transcripts. A `MANIFEST.tsv` (tab-separated, a
 * header naming at least `file` and `transcript`, optionally `language`, as in ../shared/audio)
 * wins; otherwise every audio file with a `<name>.txt` beside it (any depth) is an item. A
 * language not given is read from the reference's letters, `fallbackLanguage` when they do not
 * tell.
 *
 * Thrown when the folder holds no usable item, or the manifest lacks a column: an Error.
 */
export async function loadReferenceSet(
  dir: string,
  options: { fallbackLanguage?: Language } = {},
): Promise<ReferenceItem[]> {
  const fallback = options.fallbackLanguage ?? 'uk';
  const manifest = await readFile(path.join(dir, 'MANIFEST.tsv'), 'utf8').catch(() => undefined);
  const items = manifest
    ? fromManifest(dir, manifest, fallback)
    : await fromTextFiles(dir, fallback);
  if (items.length === 0) {
    throw new Error(
      `${dir} holds no recordings with references: add MANIFEST.tsv or a <name>.txt beside each file`,
    );
  }
  return items;
}

function fromManifest(dir: string, manifest: string, fallback: Language): ReferenceItem[] {
  const [header, ...rows] = manifest.split('\n').filter((line) => line.trim() !== '');
  const columns = (header ?? '').split('\t');
  const fileColumn = columns.indexOf('file');
  const textColumn = columns.indexOf('transcript');
  const languageColumn = columns.indexOf('language');
  if (fileColumn === -1 || textColumn === -1) {
    throw new Error(`${dir}/MANIFEST.tsv needs "file" and "transcript" columns in its header`);
  }
  return rows.map((row) => {
    const cells = row.split('\t');
    const file = cells[fileColumn] ?? '';
    const reference = cells[textColumn] ?? '';
    return {
      file,
      absolutePath: path.join(dir, file),
      language: asLanguage(cells[languageColumn]) ?? detectLanguage(reference, fallback),
      reference,
    };
  });
}

async function fromTextFiles(dir: string, fallback: Language): Promise<ReferenceItem[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const items: ReferenceItem[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !AUDIO_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) continue;
    const absolutePath = path.join(entry.parentPath, entry.name);
    const textPath = absolutePath.slice(0, -path.extname(entry.name).length) + '.txt';
    const reference = await readFile(textPath, 'utf8').catch(() => undefined);
    if (reference === undefined) continue;
    items.push({
      file: path.relative(dir, absolutePath),
      absolutePath,
      language: detectLanguage(reference, fallback),
      reference: reference.trim(),
    });
  }
  return items.sort((a, b) => a.file.localeCompare(b.file));
}

function asLanguage(value: string | undefined): Language | undefined {
  return value === 'uk' || value === 'ru' ? value : undefined;
}
