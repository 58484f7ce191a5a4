import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { KioskApp } from './KioskApp.js';
import { SimPanel } from './SimPanel.js';

const root = document.getElementById('root');
if (root) {
  const isSim = window.location.pathname.replace(/\/+$/, '') === '/sim';
  createRoot(root).render(<StrictMode>{isSim ? <SimPanel /> : <KioskApp webMode={!window.kiosk} />}</StrictMode>);
}
