import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { TechApp } from './TechApp.js';

const root = document.getElementById('root');
if (root) createRoot(root).render(<StrictMode><TechApp /></StrictMode>);
