/**
 * Voice guidance (语音播报): the text-to-speech interface and its espeak-ng default, the speech guard,
 * the phrase table, and the guide that speaks the session views. See README "Voice guidance".
 */
export * from './tts.js';
export { DEFAULT_VOICES, EspeakNg, type EspeakOptions } from './espeak.js';
export { WavRecorder, type RecordedUtterance, type WavRecorderOptions } from './recorder.js';
export { GuardedSpeech, SpeechGuard, hasIdNumberShape, type GuardReason, type GuardVerdict, type Utterance } from './guard.js';
export { PHRASES } from './phrases.js';
export { cueOf, type Cue, type CueItem, type Line } from './cues.js';
export { VoiceGuide, type GuideClock, type VoiceGuideOptions } from './guide.js';
export { VOICE_DEFAULTS, VoiceConfig, createSpeech } from './config.js';
export { levelsOf, isAudible, parseWav, WavError, type Levels, type Wav } from './wav.js';
