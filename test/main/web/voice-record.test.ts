import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecordedUtterance } from '../../../main/core/voice/recorder.js';
import { PHRASES } from '../../../main/core/voice/phrases.js';
import { WavRecorder } from '../../../main/core/voice/recorder.js';
import { isAudible } from '../../../main/core/voice/wav.js';

/** What end-to-end tests use: web mode recording voice guidance to WAV files with an index. */
describe('web mode: KIOSK_VOICE_RECORD_DIR', () => {
  it('records what the kiosk says to WAV files and utterances.jsonl instead of the speaker', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'web-voice-'));
    const renderer = join(dir, 'renderer');
    mkdirSync(renderer);
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>test</title>');
    writeFileSync(join(dir, 'kiosk.json'), JSON.stringify({ dataDir: join(dir, 'data') }));
    const voiceDir = join(dir, 'voice');
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/web/main.ts', '--profile', join(dir, 'kiosk.json'), '--port', '0', '--renderer-dir', renderer], {
      cwd: process.cwd(),
      env: { ...process.env, KIOSK_VOICE_RECORD_DIR: voiceDir },
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    const exited = new Promise((r) => child.once('exit', r));
    try {
      const index = join(voiceDir, 'utterances.jsonl');
      await expect.poll(() => existsSync(index) && readFileSync(index, 'utf8').includes('\n'), { timeout: 25_000, interval: 100 }).toBe(true);
      const [first] = readFileSync(index, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RecordedUtterance);
      expect(first?.text).toBe(PHRASES.screens.attract['zh-CN']);
      expect(first?.outcome).toBe('spoken');
      expect(isAudible(WavRecorder.levels(first?.file ?? ''))).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
