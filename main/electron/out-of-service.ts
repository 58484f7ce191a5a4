/**
 * The out-of-service page the shell serves itself (app://kiosk/__kiosk/out-of-service.html): static HTML and a
 * CSS file, no script, so it works when the renderer bundle or the core is broken. Chinese first.
 */
import { OUT_OF_SERVICE_CSS_PATH } from './policy.js';

export const OUT_OF_SERVICE_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>暂停服务 Out of service</title>
<link rel="stylesheet" href="${OUT_OF_SERVICE_CSS_PATH}">
</head>
<body>
<main role="main">
<h1>本终端暂停服务</h1>
<p>请前往其他自助终端或人工窗口办理。给您带来不便，敬请谅解。</p>
<p lang="en">This terminal is temporarily out of service. Please use another terminal or a service counter.</p>
</main>
</body>
</html>
`;

export const OUT_OF_SERVICE_CSS = `html,body{margin:0;height:100%;background:#0b3d91;color:#fff;font-family:"Noto Sans CJK SC","Source Han Sans SC",sans-serif}
main{display:flex;flex-direction:column;justify-content:center;align-items:center;height:100%;text-align:center;padding:0 8vw}
h1{font-size:6vh;margin:0 0 4vh}
p{font-size:3vh;line-height:1.5;margin:1vh 0}
`;
