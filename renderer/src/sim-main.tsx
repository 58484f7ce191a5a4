import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SimPanel } from './SimPanel.js';

// The simulated devices' control panel (web mode's /sim): its own page and entry, never on the citizen page.
const root = document.getElementById('root');
if (root) createRoot(root).render(<StrictMode><SimPanel /></StrictMode>);
