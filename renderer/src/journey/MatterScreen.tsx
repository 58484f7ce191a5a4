import type { Locale, MatterView } from '../../../main/contract/index.js';
import type { Dict } from '../i18n.js';
import { CommitmentStep } from './steps/Commitment.js';
import { FeeStep } from './steps/Fee.js';
import { FormStep } from './steps/Form.js';
import { MaterialsStep } from './steps/Materials.js';
import { NoticeStep } from './steps/Notice.js';
import { PrintStep } from './steps/Print.js';
import { ReviewStep } from './steps/Review.js';
import { SubmitStep } from './steps/Submit.js';

/** The running matter: one screen per step kind, each inside the same StepFrame. */
export function MatterScreen({ matter, locale, t }: { matter: MatterView; locale: Locale; t: Dict }) {
  const props = { matter, locale, t };
  // Keyed by step: entering a step (also by "back") starts its screen afresh from the core's view.
  const key = `${matter.code}:${matter.step.kind}`;
  const step = matter.step;
  switch (step.kind) {
    case 'notice':
      return <NoticeStep key={key} {...props} step={step} />;
    case 'form':
      return <FormStep key={key} {...props} step={step} />;
    case 'commitment':
      return <CommitmentStep key={key} {...props} step={step} />;
    case 'materials':
      return <MaterialsStep key={key} {...props} step={step} />;
    case 'fee':
      return <FeeStep key={key} {...props} step={step} />;
    case 'submit':
      return <SubmitStep key={key} {...props} step={step} />;
    case 'print':
      return <PrintStep key={key} {...props} step={step} />;
    case 'review':
      return <ReviewStep key={key} {...props} step={step} />;
  }
}
