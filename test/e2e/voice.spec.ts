/**
 * The citizen's voice guidance controls in the toolbar (the core does the speaking): 语音 turns it on
 * and off, 音量 steps the volume; both send ui.setVoice and show what the view says.
 */
import { SystemStatus } from '../../main/contract/index.js';
import { FakeCore, baseView } from './fake-core.js';
import { checkButtons, seriousViolations } from './journey-helpers.js';
import { expect, screenshot, test } from './kiosk-fixture.js';

test.describe('voice guidance controls (fake core)', () => {
  test.use({ viewport: { width: 1080, height: 1920 } });

  test('语音 turns voice guidance off and on, 音量 steps the volume up and round; they follow the view', async ({ page, kiosk }, testInfo) => {
    const core = await FakeCore.attach(page, baseView({ screen: 'attract', citizen: null, voice: { on: true, volume: 60 } }));
    await page.goto(kiosk.url);
    const voice = page.getByRole('button', { name: '语音', exact: true });
    const volume = page.getByRole('button', { name: '音量', exact: true });
    await expect(voice).toHaveAttribute('aria-pressed', 'true');
    await expect(volume).toHaveAccessibleDescription('60');
    await checkButtons(page);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'voice-controls', testInfo);

    await volume.click();
    expect(await core.waitFor('ui.setVoice')).toEqual([{ on: true, volume: 80 }]);
    core.show({ voice: { on: true, volume: 100 } });
    await expect(volume).toHaveAccessibleDescription('100');
    await volume.click();
    await expect.poll(() => core.calls('ui.setVoice').at(-1)).toEqual({ on: true, volume: 20 });

    await voice.click();
    await expect.poll(() => core.calls('ui.setVoice').at(-1)).toEqual({ on: false, volume: 100 });
    core.show({ voice: { on: false, volume: 100 } });
    await expect(voice).toHaveAttribute('aria-pressed', 'false');
    await expect(volume).toBeDisabled();
    await voice.click();
    await expect.poll(() => core.calls('ui.setVoice').at(-1)).toEqual({ on: true, volume: 100 });
  });

  test('named Voice and Volume in English; hidden when the terminal has no voice engine', async ({ page, kiosk }) => {
    const core = await FakeCore.attach(page, baseView({ screen: 'attract', citizen: null, locale: 'en' }));
    await page.goto(kiosk.url);
    await expect(page.getByRole('button', { name: 'Voice', exact: true })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Volume', exact: true })).toBeVisible();
    const status: SystemStatus = SystemStatus.parse({
      platform: 'online',
      queueDepth: 0,
      host: 'web',
      voice: { engine: 'none', state: 'disabled', detail: 'voice.engine is none in the terminal profile', since: 0, counts: { spoken: 0, canceled: 0, refused: 0, failed: 0 } },
    });
    core.push('system.status', status);
    await expect(page.getByRole('button', { name: 'Voice', exact: true })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Volume', exact: true })).toHaveCount(0);
  });
});
