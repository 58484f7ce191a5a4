import { useCallback, useEffect, useRef, useState } from 'react';
import type { DeviceStatus, SessionView, SystemStatus } from '../../main/contract/index.js';
import { VOLUME_STEPS } from '../../main/contract/levels.js';
import { getBridge, takeToken } from './bridge.js';
import { DisplayContext } from './display.js';
import { dictionaries, type Dict } from './i18n.js';
import { Goodbye } from './journey/Goodbye.js';
import { MatterList } from './journey/MatterList.js';
import { MatterScreen } from './journey/MatterScreen.js';
import { CaseQueryScreen } from './journey/CaseQuery.js';
import { ClosingNotice, useServiceStatus, useTechnicianEntry } from './service.js';
import { useActivityReporter } from './activity.js';

function useKioskState() {
  const [view, setView] = useState<SessionView | null>(null);
  const [devices, setDevices] = useState<DeviceStatus[]>([]);
  const [system, setSystem] = useState<SystemStatus | null>(null);
  useEffect(() => {
    const bridge = getBridge();
    const offs = [
      // Views carry a sequence number: a late push never overwrites a newer view.
      bridge.on('session.view', (v) => setView((old) => (old && old.seq > v.seq ? old : v))),
      bridge.on('devices.status', setDevices),
      bridge.on('system.status', setSystem),
    ];
    void bridge.invoke('session.get', {}).then((r) => {
      if (r.ok) setView((old) => (old && old.seq > r.value.seq ? old : r.value));
    });
    return () => offs.forEach((off) => off());
  }, []);
  return { view, devices, system };
}

const reportActivity = (): void => void getBridge().invoke('session.activity', {});

export function KioskApp({ webMode }: { webMode: boolean }) {
  const { view, devices, system } = useKioskState();
  useActivityReporter(view?.screen === 'welcome' || view?.screen === 'matter' || view?.screen === 'query', reportActivity, 1000);
  const service = useServiceStatus();
  useTechnicianEntry(service?.technicianEntry ?? null, view?.screen === 'attract' || view?.screen === 'out-of-service');
  const locale = view?.locale ?? 'zh-CN';
  const t = dictionaries[locale];

  useEffect(() => {
    document.documentElement.lang = locale;
    document.title = t.appTitle;
    const cl = document.documentElement.classList;
    cl.toggle('large-text', view?.display.largeText ?? false);
    cl.toggle('high-contrast', view?.display.highContrast ?? false);
  }, [locale, t, view?.display.largeText, view?.display.highContrast]);

  // Web mode opened without the per-start token: say what is wrong instead of waiting forever.
  const [token] = useState(() => (webMode ? takeToken() : 'electron'));
  if (!view && token === null) {
    return (
      <main className="screen center">
        <h1 className="title">{dictionaries['zh-CN'].noToken.split('：')[0]}</h1>
        <p className="hint" role="alert">
          {dictionaries['zh-CN'].noToken}
        </p>
        <p className="hint" lang="en">
          {dictionaries.en.noToken}
        </p>
      </main>
    );
  }
  if (!view) {
    return (
      <main className="screen center" aria-busy="true">
        <div className="spinner" role="progressbar" aria-label={t.reconnecting} />
        <p className="hint">{t.reconnecting}</p>
      </main>
    );
  }

  return (
    <DisplayContext.Provider value={view.display}>
      <div className="app">
        <header className="topbar">
          <div className="brand">
            <span className="brand-title">{t.appTitle}</span>
            <span className="brand-site">
              {view.terminal.siteName} · {t.siteType[view.terminal.siteType]}
            </span>
          </div>
          <Toolbar view={view} system={system} t={t} />
        </header>
        {view.screen === 'attract' && <Attract view={view} t={t} devices={devices} system={system} resumable={view.resumable ? view.resumable.matter[locale] : null} />}
        {view.screen === 'query' && view.query && <CaseQueryScreen query={view.query} locale={locale} t={t} cardOnReader={view.cardOnReader} />}
        {view.screen === 'welcome' && <Welcome view={view} t={t} />}
        {view.screen === 'matter' && view.matter && <MatterScreen matter={view.matter} locale={locale} t={t} />}
        {view.screen === 'finished' && <Goodbye view={view} locale={locale} t={t} />}
        {view.screen === 'out-of-service' && <OutOfService t={t} reason={service?.reason ?? view.outOfServiceReason} />}
        {view.idleWarning && <IdleWarning seconds={view.idleWarning.secondsLeft} t={t} />}
        <ClosingNotice status={service} t={t} />
        <footer className="footer">
          <span>{view.terminal.id}</span>
          {webMode && (
            <a className="sim-link" href={`/sim?t=${encodeURIComponent(token ?? '')}`} target="_blank" rel="noopener">
              {t.simLink}
            </a>
          )}
        </footer>
      </div>
    </DisplayContext.Provider>
  );
}

/** Turns elder mode on or off, leaving high contrast as it is (two separate switches). */
function setElderMode(view: SessionView, on: boolean): void {
  void getBridge().invoke('ui.setDisplay', { largeText: on, highContrast: view.display.highContrast });
}

/** Language, elder mode (长辈模式) and high contrast: on every screen, each a switch of its own. */
/** The next louder step of the volume control, round to the quietest after the loudest. */
function nextVolume(volume: number): number {
  return VOLUME_STEPS.find((v) => v > volume) ?? VOLUME_STEPS[0] ?? volume;
}

function Toolbar({ view, system, t }: { view: SessionView; system: SystemStatus | null; t: Dict }) {
  const elder = view.display.largeText;
  const contrast = view.display.highContrast;
  const toggleLocale = useCallback(() => {
    void getBridge().invoke('ui.setLocale', { locale: view.locale === 'zh-CN' ? 'en' : 'zh-CN' });
  }, [view.locale]);
  const toggleContrast = useCallback(() => {
    void getBridge().invoke('ui.setDisplay', { largeText: elder, highContrast: !contrast });
  }, [elder, contrast]);
  return (
    <nav className="toolbar" aria-label={t.toolbar}>
      <button type="button" className="tool" onClick={toggleLocale} aria-label={t.languageLabel} lang={view.locale === 'zh-CN' ? 'en' : 'zh-CN'}>
        {t.language}
      </button>
      <button type="button" className="tool tool-elder" onClick={() => setElderMode(view, !elder)} aria-pressed={elder}>
        <span className="tool-mark" aria-hidden="true">
          {elder ? '✓' : 'A+'}
        </span>
        {t.elderMode}
      </button>
      <button type="button" className="tool" onClick={toggleContrast} aria-pressed={contrast}>
        <span className="tool-mark" aria-hidden="true">
          {contrast ? '✓' : '◐'}
        </span>
        {t.highContrast}
      </button>
      <VoiceControls view={view} system={system} t={t} />
    </nav>
  );
}

/** Voice guidance on/off and its volume (the core speaks; the screen only asks). Hidden when the terminal has no voice. */
function VoiceControls({ view, system, t }: { view: SessionView; system: SystemStatus | null; t: Dict }) {
  const { on, volume } = view.voice;
  const toggle = useCallback(() => void getBridge().invoke('ui.setVoice', { on: !on, volume }), [on, volume]);
  const louder = useCallback(() => void getBridge().invoke('ui.setVoice', { on: true, volume: nextVolume(volume) }), [volume]);
  if (system?.voice?.state === 'disabled') return null;
  return (
    <>
      <button type="button" className="tool" onClick={toggle} aria-pressed={on} aria-label={t.voice}>
        {t.voice}
      </button>
      <button type="button" className="tool" onClick={louder} disabled={!on} aria-label={t.volume} aria-describedby="volume-level">
        {t.volume} <span id="volume-level">{volume}</span>
      </button>
    </>
  );
}

function Attract({ view, t, devices, system, resumable }: { view: SessionView; t: Dict; devices: DeviceStatus[]; system: SystemStatus | null; resumable: string | null }) {
  const reader = devices.find((d) => d.kind === 'id-card');
  const printer = devices.find((d) => d.kind === 'receipt-printer');
  const printerDown = printer !== undefined && printer.state !== 'online' && printer.state !== 'busy';
  const readerDown = reader !== undefined && reader.state !== 'online' && reader.state !== 'busy';
  const readerText = !reader ? null : reader.state === 'online' ? t.readerReady : reader.state === 'busy' ? t.readerBusy : t.readerOffline;
  const platformText =
    system?.platform === 'online' ? t.platformOnline : system?.platform === 'offline' ? t.platformOffline : t.platformUnknown;
  const elder = view.display.largeText;
  return (
    <main className="screen attract">
      <div className="attract-prompt">
        {readerDown ? (
          <>
            <h1 className="title">{t.readerDownTitle}</h1>
            <p className="hint" role="alert">
              {t.readerDownHint}
            </p>
          </>
        ) : (
          <>
            <h1 className="title">{t.attractTitle}</h1>
            <p className="subtitle" lang={t.attractOther === '请放置身份证' ? 'zh-CN' : 'en'}>
              {t.attractOther}
            </p>
          </>
        )}
      </div>
      {!readerDown && (
        <div className="attract-card">
          <div className="card-slot" aria-hidden="true">
            <div className="card-illustration" />
          </div>
          <p className="hint">{t.attractHint}</p>
        </div>
      )}
      {resumable && (
        <p className="notice" role="status" data-testid="resume-offer">
          {t.resumeOffer(resumable)}
        </p>
      )}
      <div className="attract-entries">
        {/* The prominent 长辈模式 entry (适老化): before anything is asked of the citizen. */}
        <button
          type="button"
          className={`entry entry-elder${elder ? ' entry-on' : ''}`}
          aria-label={t.elderMode}
          aria-describedby="elder-entry-hint"
          aria-pressed={elder}
          onClick={() => setElderMode(view, !elder)}
        >
          <span className="entry-mark" aria-hidden="true">
            {elder ? '✓' : 'A+'}
          </span>
          <span className="entry-text">
            <span className="entry-name">{t.elderMode}</span>
            <span className="entry-hint" id="elder-entry-hint">
              {t.elderModeHint}
            </span>
          </span>
        </button>
        <button type="button" className="secondary big query-open" onClick={() => void getBridge().invoke('cases.open', {})}>
          <span>{t.query.open}</span>
          <span className="query-open-other" lang={t.query.openOther === 'My cases' ? 'en' : 'zh-CN'}>
            {t.query.openOther}
          </span>
          <span className="small">{t.query.openHint}</span>
        </button>
      </div>
      <div className="status-row" role="status" aria-live="polite">
        {readerText && <span className={`pill ${reader?.state === 'online' ? 'ok' : 'warn'}`}>{readerText}</span>}
        {printerDown && <span className="pill warn">{t.printerUnavailable}</span>}
        {system && (
          <span className="pill quiet">
            {platformText}
            {system.queueDepth > 0 ? ` · ${t.queued(system.queueDepth)}` : ''}
          </span>
        )}
      </div>
    </main>
  );
}

function Welcome({ view, t }: { view: SessionView; t: Dict }) {
  const c = view.citizen;
  return (
    <main className="screen welcome">
      <div className="welcome-head">
        <div className="welcome-who">
          <h1 className="title">{c ? t.welcomeTitle(c.name) : ''}</h1>
          {c && (
            <dl className="identity">
              <div>
                <dt>{t.idNumber}</dt>
                <dd className="mono" data-testid="masked-id">
                  {c.maskedId}
                </dd>
              </div>
              <div>
                <dt className="visually-hidden">{t.idNumber}</dt>
                <dd>{t.cardTypes[c.cardType]}</dd>
              </div>
            </dl>
          )}
        </div>
        <button type="button" className="secondary big-ish" onClick={() => void getBridge().invoke('session.finish', {})}>
          {t.finish}
        </button>
      </div>
      {c?.notices.map((n) => (
        <p key={n} className="notice" role="alert">
          {t.notices[n]}
        </p>
      ))}
      {view.matters ? (
        <MatterList list={view.matters} locale={view.locale} t={t} />
      ) : (
        <p className="hint">
          {/* "Verified" is never shown under a warning about the card. */}
          {c && c.notices.length === 0 ? `${t.welcomeVerified}` : ''}
          {t.welcomeHint}
        </p>
      )}
    </main>
  );
}

function OutOfService({ t, reason }: { t: Dict; reason: string | null }) {
  return (
    <main className="screen center">
      <h1 className="title">{t.outOfService}</h1>
      <p className="hint">{t.outOfServiceHint}</p>
      {reason && <p className="small">{reason}</p>}
    </main>
  );
}

function IdleWarning({ seconds, t }: { seconds: number; t: Dict }) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => button.current?.focus(), []);
  return (
    <div className="overlay">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="idle-title" aria-describedby="idle-body">
        <h2 id="idle-title">{t.idleTitle}</h2>
        <p id="idle-body">{t.idleBody(seconds)}</p>
        <div className="countdown" aria-hidden="true">
          {seconds}
        </div>
        <button ref={button} type="button" className="primary big" onClick={() => void getBridge().invoke('session.activity', {})}>
          {t.idleContinue}
        </button>
      </div>
    </div>
  );
}
