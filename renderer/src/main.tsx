import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { KioskApp } from './KioskApp.js';

// The citizen page. The simulator panel is its own page (sim.html, src/sim-main.tsx) and the technician
// screen another (tech.html): neither is in this page's JavaScript.
const root = document.getElementById('root');
if (root) createRoot(root).render(<StrictMode><KioskApp webMode={!window.kiosk} /></StrictMode>);
