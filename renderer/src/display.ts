import { createContext, useContext } from 'react';
import type { Display } from '../../main/contract/index.js';

/**
 * The display mode the core says the screen is in (view.display): elder mode (长辈模式, `largeText`) and
 * high contrast, two separate switches. The CSS follows the classes on <html> (large-text, high-contrast);
 * components that change their structure in elder mode (one thing per screen: the matter list in pages,
 * the form one field at a time) read it here.
 */
export const DisplayContext = createContext<Display>({ largeText: false, highContrast: false });

/** Elder mode: larger text, more time, one thing per screen, voice on. */
export function useElderMode(): boolean {
  return useContext(DisplayContext).largeText;
}
