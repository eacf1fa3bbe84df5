/**
 * Which staged-batch files a sweep may delete (storage/batch-files.ts): never one a queue row names
 * or a request is writing; one this process's matcher read once no row names it; an unknown one only
 * when it is older than the grace period (it may be another process's write in flight).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchFiles, MissingBatchRowsError, ORPHAN_GRACE_MS } from '../../../src/storage/batch-files.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function fresh(): { files: BatchFiles; dir: string; log: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lg-bf-'));
  dirs.push(root);
  const log = path.join(root, 'store.sqlite-wal');
  fs.writeFileSync(log, 'log');
  return { files: new BatchFiles(path.join(root, 'queue'), log), dir: path.join(root, 'queue'), log };
}

describe('BatchFiles', () => {
  it('writes the rows durably under a new name and reads them back', async () => {
    const { files, dir } = fresh();
    const rows = Buffer.from('0123456789abcdef'.repeat(1000));
    const name = await files.write(rows);
    files.settle(name);
    expect(files.list()).toEqual([name]);
    expect(fs.readFileSync(path.join(dir, name)).equals(rows)).toBe(true);
    expect(files.read(name).equals(rows)).toBe(true);
  });

  it('sweeps only what no row names and is done here or old; never a file being written', async () => {
    const { files, dir } = fresh();
    const named = await files.write(Buffer.from('named'));
    files.settle(named);
    const read = await files.write(Buffer.from('read'));
    files.settle(read);
    files.read(read); // this process's matcher applied it
    const pending = await files.write(Buffer.from('pending')); // its transaction has not committed
    fs.writeFileSync(path.join(dir, 'young-unknown.rows'), 'another process, in flight');
    fs.writeFileSync(path.join(dir, 'old-orphan.rows'), 'left by a crash');
    const hourAgo = new Date(Date.now() - 2 * ORPHAN_GRACE_MS);
    fs.utimesSync(path.join(dir, 'old-orphan.rows'), hourAgo, hourAgo);
    // `pending` is old by its clock too: still kept.
    fs.utimesSync(path.join(dir, pending), hourAgo, hourAgo);

    const removed = files.sweep(files.list(), new Set([named]));
    expect(removed).toBe(2);
    expect(files.list().sort()).toEqual([named, pending, 'young-unknown.rows'].sort());
    files.discard(pending);
    expect(files.list().sort()).toEqual([named, 'young-unknown.rows'].sort());
  });

  it('says which file is missing with its own error', () => {
    const { files } = fresh();
    expect(() => files.read('nope.rows')).toThrow(MissingBatchRowsError);
    expect(() => files.read('nope.rows')).toThrow(/staged rows of an upload batch are missing .*nope\.rows/);
  });
});
