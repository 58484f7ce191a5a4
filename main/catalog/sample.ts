import type { CatalogDocumentInput, Field, Material } from './schema.js';

/**
 * The bundled sample catalog: what a kiosk offers when neither the platform nor the profile gives
 * it a catalog. SAMPLE DATA. The matters are drawn from the fact sheet
 * (shared/reference/matters-ratings-ecert.md §1.2 and §2); every code is made up (`SAMPLE-…`) and
 * every matter is marked `sample: true`. Legal bases the fact sheet marks UNVERIFIED are marked
 * "UNVERIFIED" in a comment beside them; implementing bodies, fees and time limits are plausible
 * examples, not the provincial platform's data. A site replaces this with its own catalog file
 * (profile `catalog.file`) and the platform's catalog replaces both when it is valid.
 */

type L = { 'zh-CN': string; en: string };
const t = (zh: string, en: string): L => ({ 'zh-CN': zh, en });

const CONSULT_HR = '12333'; // 人社 national hotline
const CONSULT_MEDICAL = '12393'; // 医保 national hotline
const CONSULT_FUND = '12329'; // 住房公积金 national hotline
const GOV_HOTLINE = '12345'; // 政务服务便民热线: consultation and complaints

// ---- fields shared between matters (the same key, kind and label: a bundle asks them once) ----

const applicantName: Field = { key: 'applicantName', label: t('申请人姓名', "Applicant's name"), kind: 'text', required: true, prefill: 'card.name', maxLength: 40 };
const phone: Field = {
  key: 'phone',
  label: t('联系电话', 'Phone number'),
  kind: 'phone',
  required: true,
  help: t('用于通知办理结果', 'We use it to tell you the result'),
};
const registeredAddress: Field = { key: 'registeredAddress', label: t('户籍地址', 'Registered address'), kind: 'text', required: true, prefill: 'card.address', maxLength: 120 };
const childName: Field = { key: 'childName', label: t('新生儿姓名', "Baby's name"), kind: 'chinese', required: true, maxLength: 20 };
const childGender: Field = {
  key: 'childGender',
  label: t('新生儿性别', "Baby's sex"),
  kind: 'choice',
  required: true,
  options: [
    { value: 'male', label: t('男', 'Male') },
    { value: 'female', label: t('女', 'Female') },
  ],
};
const childBirthDate: Field = { key: 'childBirthDate', label: t('出生日期', 'Date of birth'), kind: 'date', required: true };
const relationToChild: Field = {
  key: 'relationToChild',
  label: t('申请人与新生儿关系', 'Your relation to the baby'),
  kind: 'choice',
  required: true,
  options: [
    { value: 'mother', label: t('母亲', 'Mother') },
    { value: 'father', label: t('父亲', 'Father') },
    { value: 'guardian', label: t('其他监护人', 'Other guardian') },
  ],
};
const deceasedName: Field = { key: 'deceasedName', label: t('逝者姓名', 'Name of the deceased'), kind: 'chinese', required: true, maxLength: 20 };
const deathDate: Field = { key: 'deathDate', label: t('死亡日期', 'Date of death'), kind: 'date', required: true };
const relationToDeceased: Field = {
  key: 'relationToDeceased',
  label: t('申请人与逝者关系', 'Your relation to the deceased'),
  kind: 'choice',
  required: true,
  options: [
    { value: 'spouse', label: t('配偶', 'Spouse') },
    { value: 'child', label: t('子女', 'Child') },
    { value: 'parent', label: t('父母', 'Parent') },
    { value: 'other', label: t('其他近亲属', 'Other close relative') },
  ],
};
const bankAccount: Field = {
  key: 'bankAccount',
  label: t('收款银行账号', 'Bank account for the payment'),
  kind: 'digits',
  required: true,
  minLength: 12,
  maxLength: 19,
  help: t('本人名下的银行卡号', 'A bank card in your own name'),
};
const purpose: Field = {
  key: 'purpose',
  label: t('用途', 'Purpose'),
  kind: 'choice',
  required: true,
  options: [
    { value: 'personal', label: t('个人留存', 'For my records') },
    { value: 'employer', label: t('单位办事', 'For an employer') },
    { value: 'other', label: t('其他', 'Other') },
  ],
};

// ---- materials shared between matters ----

const birthMedicalCert: Material = {
  key: 'birthMedicalCert',
  name: t('出生医学证明', 'Medical birth certificate'),
  required: true,
  accepts: { eCertificate: { type: 'birth-medical-certificate' }, scan: { maxPages: 2 } },
};
const householdRegister: Material = {
  key: 'householdRegister',
  name: t('户口簿（户主页及本人页）', 'Household register (head page and own page)'),
  required: true,
  accepts: { eCertificate: { type: 'household-register' }, scan: { maxPages: 4 } },
};
const deathMedicalCert: Material = {
  key: 'deathMedicalCert',
  name: t('死亡医学证明', 'Medical death certificate'),
  required: true,
  accepts: { eCertificate: { type: 'death-medical-certificate' }, scan: { maxPages: 2 } },
};

const SOCIAL_LAW_4 = t(
  '《中华人民共和国社会保险法》第四条：个人依法享受社会保险待遇，有权监督本单位为其缴费情况，有权查询缴费记录、个人权益记录。',
  'Social Insurance Law of the PRC, Article 4: individuals may query their contribution and entitlement records.',
);
const HOUSEHOLD_REG = t('《中华人民共和国户口登记条例》', 'Regulations of the PRC on Household Registration');

export const SAMPLE_CATALOG: CatalogDocumentInput = {
  format: 1,
  version: 'sample-2025.1',
  sample: true,
  categories: [
    { id: 'social-insurance', name: t('社保', 'Social insurance') },
    { id: 'medical-insurance', name: t('医保', 'Medical insurance') },
    { id: 'housing-fund', name: t('公积金', 'Housing fund') },
    { id: 'household', name: t('户籍/公安', 'Household and police') },
    { id: 'real-estate', name: t('不动产', 'Real estate') },
    { id: 'civil-affairs', name: t('民政', 'Civil affairs') },
    { id: 'market', name: t('市场监管', 'Market regulation') },
    { id: 'one-thing', name: t('一件事一次办', 'One thing, one visit') },
  ],
  matters: [
    {
      codes: { basic: 'SAMPLE-GG-00101', implementation: 'SAMPLE-SB-0001' },
      sample: true,
      name: t('社会保险个人参保证明查询打印', 'Social insurance enrolment certificate'),
      category: 'social-insurance',
      type: '公共服务',
      legalBasis: SOCIAL_LAW_4,
      body: t('宁夏回族自治区社会保险事业管理中心', 'Ningxia Social Insurance Administration Centre'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' }, // UNVERIFIED: fact sheet says none, unconfirmed
      offline: false,
      devices: ['receipt-printer'],
      steps: ['notice', 'form', 'submit', 'print', 'review'],
      notice: t('凭本人居民身份证办理，无需其他材料。', 'Your own ID card is all you need.'),
      fields: [purpose],
      outputs: [t('社会保险个人参保证明', 'Social insurance enrolment certificate')],
      contact: { consultation: CONSULT_HR, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00102', implementation: 'SAMPLE-SB-0002' },
      sample: true,
      name: t('养老保险个人权益记录单查询打印', 'Pension entitlement record'),
      category: 'social-insurance',
      type: '公共服务',
      legalBasis: SOCIAL_LAW_4,
      body: t('宁夏回族自治区社会保险事业管理中心', 'Ningxia Social Insurance Administration Centre'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' }, // UNVERIFIED (第七十四条: sent free of charge)
      offline: false,
      devices: ['receipt-printer'],
      steps: ['form', 'submit', 'print', 'review'],
      fields: [
        {
          key: 'year',
          label: t('查询年度', 'Year'),
          kind: 'digits',
          required: true,
          pattern: '^20[0-9]{2}$',
          patternHint: t('请输入四位年份，如 2024', 'Four digits, e.g. 2024'),
        },
      ],
      outputs: [t('养老保险个人权益记录单', 'Pension entitlement record')],
      contact: { consultation: CONSULT_HR, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00103', implementation: 'SAMPLE-SB-0003' },
      sample: true,
      name: t('社会保障卡补换', 'Replace a social security card'),
      category: 'social-insurance',
      type: '公共服务',
      legalBasis: t('《社会保障卡管理办法》（样例，待核实）', 'Social Security Card rules (sample, unverified)'), // UNVERIFIED
      body: t('银川市社会保障卡服务中心', 'Yinchuan Social Security Card Centre'),
      processing: { kind: 'promised', workingDays: 5 },
      fee: { kind: 'fixed', amountFen: 2000, item: t('社会保障卡补换工本费', 'Card replacement fee') }, // UNVERIFIED amount
      offline: true,
      devices: ['payment', 'receipt-printer'],
      steps: ['notice', 'form', 'fee', 'submit', 'print', 'review'],
      notice: t('原卡将在补换申请受理后停用。新卡制成后凭回执领取。', 'Your old card is stopped once the request is accepted. Collect the new card with the receipt.'),
      fields: [
        applicantName,
        {
          key: 'reason',
          label: t('补换原因', 'Reason'),
          kind: 'choice',
          required: true,
          options: [
            { value: 'lost', label: t('遗失', 'Lost') },
            { value: 'damaged', label: t('损坏', 'Damaged') },
            { value: 'changed', label: t('信息变更', 'Details changed') },
          ],
        },
        phone,
      ],
      outputs: [t('社会保障卡', 'Social security card')],
      contact: { consultation: CONSULT_HR, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-JF-00201', implementation: 'SAMPLE-SB-0004' },
      sample: true,
      name: t('丧葬补助金、抚恤金申领', 'Funeral grant and survivor benefit'),
      category: 'social-insurance',
      type: '行政给付',
      legalBasis: t(
        '《中华人民共和国社会保险法》第十七条：参加基本养老保险的个人，因病或者非因工死亡的，其遗属可以领取丧葬补助金和抚恤金。',
        'Social Insurance Law of the PRC, Article 17: survivors of an insured person may claim a funeral grant and a survivor benefit.',
      ),
      body: t('宁夏回族自治区社会保险事业管理中心', 'Ningxia Social Insurance Administration Centre'),
      processing: { kind: 'promised', workingDays: 10 },
      fee: { kind: 'none' },
      offline: true,
      devices: ['scanner', 'receipt-printer'],
      steps: ['notice', 'form', 'commitment', 'materials', 'submit', 'print', 'review'],
      fields: [deceasedName, deathDate, relationToDeceased, applicantName, phone, bankAccount],
      commitment: {
        text: t(
          '本人承诺：与逝者的亲属关系真实；所填信息及提交材料真实有效。如有虚假，愿承担相应法律责任，并退还已领取的待遇。',
          'I declare that my relation to the deceased is true and that the information and materials I give are true. If not, I accept the legal consequences and will repay any benefit received.',
        ),
        required: false,
      },
      materials: [
        deathMedicalCert,
        { key: 'cremationCert', name: t('火化证明', 'Cremation certificate'), required: true, accepts: { eCertificate: { type: 'cremation-certificate' }, scan: { maxPages: 1 } } },
        { key: 'kinshipProof', name: t('亲属关系证明', 'Proof of kinship'), required: true, accepts: { scan: { maxPages: 2 }, commitment: true } },
      ],
      outputs: [t('受理回执', 'Acceptance receipt'), t('待遇核定结果（短信通知）', 'Decision by text message')],
      contact: { consultation: CONSULT_HR, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00104', implementation: 'SAMPLE-SB-0005' },
      sample: true,
      name: t('新生儿社会保障卡申领', 'Social security card for a newborn'),
      category: 'social-insurance',
      type: '公共服务',
      legalBasis: t('《社会保障卡管理办法》（样例，待核实）', 'Social Security Card rules (sample, unverified)'), // UNVERIFIED
      body: t('银川市社会保障卡服务中心', 'Yinchuan Social Security Card Centre'),
      processing: { kind: 'promised', workingDays: 10 },
      fee: { kind: 'none' },
      offline: true,
      devices: ['receipt-printer'],
      steps: ['form', 'submit', 'print', 'review'],
      fields: [childName, childGender, childBirthDate, relationToChild, phone],
      outputs: [t('社会保障卡（邮寄或领取）', 'Social security card (posted or collected)')],
      contact: { consultation: CONSULT_HR, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00301', implementation: 'SAMPLE-YB-0001' },
      sample: true,
      name: t('基本医疗保险参保凭证打印', 'Medical insurance enrolment record'),
      category: 'medical-insurance',
      type: '公共服务',
      legalBasis: SOCIAL_LAW_4,
      body: t('宁夏回族自治区医疗保障局', 'Ningxia Healthcare Security Administration'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' }, // UNVERIFIED
      offline: false,
      devices: ['receipt-printer'],
      steps: ['notice', 'submit', 'print', 'review'],
      outputs: [t('基本医疗保险参保凭证', 'Medical insurance enrolment record')],
      contact: { consultation: CONSULT_MEDICAL, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00302', implementation: 'SAMPLE-YB-0002' },
      sample: true,
      name: t('新生儿城乡居民医保参保登记', 'Medical insurance for a newborn'),
      category: 'medical-insurance',
      type: '公共服务',
      legalBasis: t('《中华人民共和国社会保险法》第二十五条（样例，待核实）', 'Social Insurance Law of the PRC, Article 25 (sample, unverified)'), // UNVERIFIED
      body: t('银川市医疗保障局', 'Yinchuan Healthcare Security Bureau'),
      processing: { kind: 'promised', workingDays: 5 },
      fee: { kind: 'none' },
      offline: true,
      devices: ['scanner', 'receipt-printer'],
      steps: ['form', 'materials', 'submit', 'print', 'review'],
      notice: t('参保登记后，请按通知缴纳当年个人缴费。', 'After registration, pay the yearly contribution when told.'),
      fields: [childName, childGender, childBirthDate, relationToChild, phone],
      materials: [birthMedicalCert],
      outputs: [t('参保登记回执', 'Registration receipt')],
      contact: { consultation: CONSULT_MEDICAL, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00303', implementation: 'SAMPLE-YB-0003' },
      sample: true,
      name: t('医保个人账户余额结算（身后）', 'Settle the medical account of the deceased'),
      category: 'medical-insurance',
      type: '行政给付',
      legalBasis: t('《中华人民共和国社会保险法》（样例，待核实）', 'Social Insurance Law of the PRC (sample, unverified)'), // UNVERIFIED
      body: t('银川市医疗保障局', 'Yinchuan Healthcare Security Bureau'),
      processing: { kind: 'promised', workingDays: 15 },
      fee: { kind: 'none' },
      offline: true,
      devices: ['scanner', 'receipt-printer'],
      steps: ['form', 'materials', 'submit', 'print', 'review'],
      fields: [deceasedName, deathDate, relationToDeceased, phone, bankAccount],
      materials: [deathMedicalCert],
      outputs: [t('结算结果（短信通知）', 'Result by text message')],
      contact: { consultation: CONSULT_MEDICAL, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00401', implementation: 'SAMPLE-GJJ-0001' },
      sample: true,
      name: t('住房公积金个人缴存证明打印', 'Housing fund contribution certificate'),
      category: 'housing-fund',
      type: '公共服务',
      legalBasis: t('《住房公积金管理条例》（样例，待核实）', 'Regulations on the Administration of Housing Funds (sample, unverified)'), // UNVERIFIED
      body: t('银川住房公积金管理中心', 'Yinchuan Housing Fund Centre'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' }, // UNVERIFIED
      offline: false,
      devices: ['receipt-printer'],
      steps: ['form', 'submit', 'print', 'review'],
      fields: [purpose],
      outputs: [t('住房公积金个人缴存证明', 'Housing fund contribution certificate')],
      contact: { consultation: CONSULT_FUND, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00402', implementation: 'SAMPLE-GJJ-0002' },
      sample: true,
      name: t('住房公积金缴存信息查询', 'Housing fund balance query'),
      category: 'housing-fund',
      type: '公共服务',
      legalBasis: t('《住房公积金管理条例》（样例，待核实）', 'Regulations on the Administration of Housing Funds (sample, unverified)'), // UNVERIFIED
      body: t('银川住房公积金管理中心', 'Yinchuan Housing Fund Centre'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' },
      offline: false,
      devices: [],
      steps: ['notice', 'submit', 'review'],
      notice: t('查询结果显示在屏幕上，并以短信发送到预留手机。', 'The result is shown on screen and sent to your registered phone.'),
      outputs: [t('缴存信息（屏幕显示）', 'Contribution details (on screen)')],
      contact: { consultation: CONSULT_FUND, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00501', implementation: 'SAMPLE-GA-0001' },
      sample: true,
      name: t('无犯罪记录证明开具', 'Certificate of no criminal record'),
      category: 'household',
      type: '公共服务',
      legalBasis: t('《公安机关办理犯罪记录查询工作规定》（样例，名称待核实）', 'Police rules on criminal record checks (sample, name unverified)'), // UNVERIFIED name
      body: t('银川市公安局', 'Yinchuan Public Security Bureau'),
      processing: { kind: 'promised', workingDays: 1 },
      fee: { kind: 'none' }, // UNVERIFIED
      offline: true,
      devices: ['receipt-printer'],
      steps: ['notice', 'form', 'submit', 'print', 'review'],
      notice: t('须有合法的申请事由。本人办理凭有效身份证件；代办须另带委托书，请到窗口办理。', 'A lawful reason is required. In person with your ID card; proxies must go to a counter with a letter of authority.'),
      fields: [
        applicantName,
        {
          key: 'reason',
          label: t('申请事由', 'Reason'),
          kind: 'choice',
          required: true,
          options: [
            { value: 'employment', label: t('就业', 'Employment') },
            { value: 'study', label: t('入学', 'Study') },
            { value: 'abroad', label: t('出国（境）', 'Going abroad') },
            { value: 'other', label: t('其他', 'Other') },
          ],
        },
        { key: 'recipient', label: t('证明使用单位', 'Organisation that asked for it'), kind: 'text', required: false, maxLength: 60 },
        phone,
      ],
      outputs: [t('《无犯罪记录证明》', 'Certificate of no criminal record')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00502', implementation: 'SAMPLE-GA-0002' },
      sample: true,
      name: t('居住证签注', 'Residence permit endorsement'),
      category: 'household',
      type: '公共服务',
      legalBasis: t('《居住证暂行条例》（样例，待核实）', 'Interim Regulations on Residence Permits (sample, unverified)'), // UNVERIFIED
      body: t('银川市公安局兴庆区分局', 'Xingqing District Police, Yinchuan'),
      processing: { kind: 'promised', workingDays: 3 },
      fee: { kind: 'none' }, // UNVERIFIED
      offline: true,
      devices: ['scanner', 'receipt-printer'],
      steps: ['notice', 'form', 'commitment', 'materials', 'submit', 'print', 'review'],
      notice: t('每次签注有效期一年。请在有效期满前三十日内办理；居住地变更的，请在十日内办理。', 'Each endorsement lasts one year. Apply within 30 days before it ends, or within 10 days of moving.'),
      fields: [
        applicantName,
        registeredAddress,
        { key: 'residence', label: t('现居住地址', 'Current address'), kind: 'chinese', required: true, maxLength: 120 },
        phone,
      ],
      commitment: {
        text: t(
          '本人承诺：所填居住地址真实，本人在该地址连续居住；如居住信息发生变化，将在十日内申报变更。如有虚假，愿承担相应法律责任。',
          'I declare that I really live at the address given and will report a move within ten days. If this is untrue, I accept the legal consequences.',
        ),
        required: false,
      },
      materials: [
        { key: 'residencePermit', name: t('居住证', 'Residence permit'), required: true, accepts: { eCertificate: { type: 'residence-permit' }, scan: { maxPages: 2 } } },
        {
          key: 'residenceProof',
          name: t('居住证明（租赁合同或房屋产权证明）', 'Proof of residence (lease or title deed)'),
          required: true,
          accepts: { scan: { maxPages: 6 }, commitment: true },
        },
      ],
      outputs: [t('居住证签注', 'Endorsed residence permit')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00503', implementation: 'SAMPLE-GA-0003' },
      sample: true,
      name: t('户籍证明开具', 'Household registration certificate'),
      category: 'household',
      type: '公共服务',
      legalBasis: HOUSEHOLD_REG, // UNVERIFIED as the basis of this certificate
      body: t('银川市公安局', 'Yinchuan Public Security Bureau'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' },
      offline: false,
      devices: ['receipt-printer'],
      steps: ['form', 'submit', 'print', 'review'],
      fields: [applicantName, registeredAddress, purpose],
      outputs: [t('户籍证明', 'Household registration certificate')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-QR-00601', implementation: 'SAMPLE-GA-0004' },
      sample: true,
      name: t('出生登记（户口申报）', 'Birth registration (household)'),
      category: 'household',
      type: '行政确认',
      legalBasis: t('《中华人民共和国户口登记条例》第七条：婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记。', 'Household Registration Regulations, Article 7: a birth is registered within one month.'),
      body: t('银川市公安局', 'Yinchuan Public Security Bureau'),
      processing: { kind: 'promised', workingDays: 5 },
      fee: { kind: 'none' },
      offline: true,
      devices: ['scanner', 'receipt-printer'],
      steps: ['notice', 'form', 'materials', 'submit', 'print', 'review'],
      notice: t('请在婴儿出生后一个月内申报。', 'Register within one month of the birth.'),
      fields: [childName, childGender, childBirthDate, relationToChild, { key: 'householdHead', label: t('随迁户主姓名', 'Head of the household to register under'), kind: 'chinese', required: true, maxLength: 20 }, registeredAddress, phone],
      materials: [birthMedicalCert, householdRegister],
      outputs: [t('户口簿（新生儿页）', 'Household register page for the baby')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-QR-00602', implementation: 'SAMPLE-GA-0005' },
      sample: true,
      name: t('死亡登记（户口注销）', 'Death registration (household)'),
      category: 'household',
      type: '行政确认',
      legalBasis: t('《中华人民共和国户口登记条例》第八条：公民死亡，城市在葬前，农村在一个月以内，由户主、亲属、抚养人或者邻居向户口登记机关申报死亡登记，注销户口。', 'Household Registration Regulations, Article 8: a death is registered before burial (towns) or within a month (countryside).'),
      body: t('银川市公安局', 'Yinchuan Public Security Bureau'),
      processing: { kind: 'promised', workingDays: 3 },
      fee: { kind: 'none' },
      offline: true,
      devices: ['scanner', 'receipt-printer'],
      steps: ['notice', 'form', 'materials', 'submit', 'print', 'review'],
      fields: [deceasedName, deathDate, relationToDeceased, applicantName, phone],
      materials: [deathMedicalCert, householdRegister],
      outputs: [t('户口注销证明', 'Certificate of deregistration')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00701', implementation: 'SAMPLE-BDC-0001' },
      sample: true,
      name: t('不动产登记资料查询（本人）', 'Real estate records of my own'),
      category: 'real-estate',
      type: '公共服务',
      legalBasis: t('《不动产登记暂行条例》第二十七条（样例，待核实）', 'Interim Regulations on Real Estate Registration, Article 27 (sample, unverified)'), // UNVERIFIED
      body: t('银川市不动产登记事务中心', 'Yinchuan Real Estate Registration Centre'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' }, // UNVERIFIED (none for own records)
      offline: false,
      devices: ['receipt-printer'],
      steps: ['notice', 'form', 'submit', 'print', 'review'],
      fields: [purpose],
      outputs: [t('不动产登记查询结果证明', 'Real estate records statement')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00801', implementation: 'SAMPLE-MZ-0001' },
      sample: true,
      name: t('老年人优待证申领', 'Senior citizen card'),
      category: 'civil-affairs',
      type: '公共服务',
      legalBasis: t('《中华人民共和国老年人权益保障法》（样例，待核实）', 'Law on the Protection of the Rights of the Elderly (sample, unverified)'), // UNVERIFIED
      body: t('银川市民政局', 'Yinchuan Civil Affairs Bureau'),
      processing: { kind: 'promised', workingDays: 5 },
      fee: { kind: 'none' }, // UNVERIFIED
      offline: true,
      devices: ['scanner', 'receipt-printer'],
      steps: ['notice', 'form', 'materials', 'submit', 'print', 'review'],
      notice: t('年满六十周岁可申领。请将一寸近期免冠照片放在扫描仪上。', 'For people aged 60 or over. Place a recent passport photo on the scanner.'),
      fields: [
        applicantName,
        phone,
        {
          key: 'delivery',
          label: t('领取方式', 'How to receive it'),
          kind: 'choice',
          required: true,
          options: [
            { value: 'collect', label: t('到社区领取', 'Collect at the community office') },
            { value: 'post', label: t('邮寄到户籍地址', 'Post to my registered address') },
          ],
        },
      ],
      materials: [{ key: 'photo', name: t('一寸近期免冠照片', 'Recent passport photo'), required: true, accepts: { scan: { maxPages: 1 } } }],
      outputs: [t('老年人优待证', 'Senior citizen card')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00802', implementation: 'SAMPLE-MZ-0002' },
      sample: true,
      name: t('最低生活保障证明出具', 'Certificate of minimum living allowance'),
      category: 'civil-affairs',
      type: '公共服务',
      legalBasis: t('《社会救助暂行办法》（样例，待核实）', 'Interim Measures on Social Assistance (sample, unverified)'), // UNVERIFIED
      body: t('银川市民政局', 'Yinchuan Civil Affairs Bureau'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' },
      offline: false,
      devices: ['receipt-printer'],
      steps: ['form', 'submit', 'print', 'review'],
      fields: [purpose],
      outputs: [t('最低生活保障证明', 'Certificate of minimum living allowance')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00803', implementation: 'SAMPLE-MZ-0003' },
      sample: true,
      name: t('婚姻登记预约', 'Book a marriage registration'),
      category: 'civil-affairs',
      type: '公共服务',
      legalBasis: t('《婚姻登记条例》（样例，待核实）', 'Marriage Registration Regulations (sample, unverified)'), // UNVERIFIED
      body: t('银川市兴庆区婚姻登记处', 'Xingqing District Marriage Registry, Yinchuan'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' },
      offline: false,
      devices: ['receipt-printer'],
      steps: ['notice', 'form', 'submit', 'print', 'review'],
      notice: t('登记当日双方须本人持身份证到场。', 'On the day, both of you must come with your ID cards.'),
      fields: [
        applicantName,
        { key: 'partnerName', label: t('对方姓名', "Partner's name"), kind: 'chinese', required: true, maxLength: 20 },
        { key: 'appointmentDate', label: t('预约日期', 'Appointment date'), kind: 'date', required: true },
        phone,
      ],
      outputs: [t('预约凭条', 'Appointment slip')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: 'SAMPLE-GG-00901', implementation: 'SAMPLE-SC-0001' },
      sample: true,
      name: t('营业执照自助打印', 'Print a business licence'),
      category: 'market',
      type: '公共服务',
      legalBasis: t('《中华人民共和国市场主体登记管理条例》（样例，待核实）', 'Regulations on the Registration of Market Entities (sample, unverified)'), // UNVERIFIED
      body: t('银川市市场监督管理局', 'Yinchuan Market Regulation Bureau'),
      processing: { kind: 'immediate' },
      fee: { kind: 'none' }, // UNVERIFIED
      offline: false,
      devices: ['receipt-printer'],
      steps: ['notice', 'materials', 'submit', 'print', 'review'],
      notice: t('法定代表人或经办人本人办理，需已领取电子营业执照。', 'For the legal representative or the registered agent, who must hold the electronic business licence.'),
      materials: [{ key: 'businessLicence', name: t('电子营业执照', 'Electronic business licence'), required: true, accepts: { eCertificate: { type: 'business-licence' } } }],
      outputs: [t('营业执照（正本/副本）', 'Business licence (original and copy)')],
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
  ],
  bundles: [
    {
      codes: { basic: null, implementation: 'SAMPLE-YJS-0001' },
      sample: true,
      name: t('新生儿出生一件事', 'A baby is born: one application'),
      category: 'one-thing',
      legalBasis: t('《国务院关于进一步优化政务服务提升行政效能推动"高效办成一件事"的指导意见》（国发〔2024〕3号）', 'State Council guideline on getting one thing done efficiently (Guofa [2024] No. 3)'),
      body: t('银川市政务服务中心（牵头受理）', 'Yinchuan Government Service Centre (lead office)'),
      members: ['SAMPLE-GA-0004', 'SAMPLE-YB-0002', 'SAMPLE-SB-0005'],
      notice: t('一张表、一次提交：出生登记、新生儿医保参保登记和社会保障卡申领一起办理。', 'One form, one submission: birth registration, medical insurance and a social security card together.'),
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
    {
      codes: { basic: null, implementation: 'SAMPLE-YJS-0002' },
      sample: true,
      name: t('身后一件事', 'After a death: one application'),
      category: 'one-thing',
      legalBasis: t('《国务院关于进一步优化政务服务提升行政效能推动"高效办成一件事"的指导意见》（国发〔2024〕3号）', 'State Council guideline on getting one thing done efficiently (Guofa [2024] No. 3)'),
      body: t('银川市政务服务中心（牵头受理）', 'Yinchuan Government Service Centre (lead office)'),
      members: ['SAMPLE-GA-0005', 'SAMPLE-SB-0004', 'SAMPLE-YB-0003'],
      notice: t('一张表、一次提交：户口注销、丧葬补助金和抚恤金申领、医保个人账户结算一起办理。', 'One form, one submission: deregistration, funeral grant and survivor benefit, and the medical account.'),
      contact: { consultation: GOV_HOTLINE, complaint: GOV_HOTLINE },
    },
  ],
  rating: {
    // The official 差评 option list is GB/T 39734 附录A, whose wording is UNVERIFIED (fact sheet §3.5): these are
    // sample reasons after the online questionnaire's indicators; the platform's rating content replaces them.
    version: 'sample-2025.1',
    reasons: [
      { key: 'guide-unclear', label: t('服务指引不清晰', 'The guidance was unclear') },
      { key: 'procedure-inconvenient', label: t('办事程序不便利', 'The procedure was inconvenient') },
      { key: 'too-many-materials', label: t('材料手续不精简', 'Too many materials or steps') },
      { key: 'interface-unfriendly', label: t('操作界面不友好', 'The screens were hard to use') },
      { key: 'too-slow', label: t('等待时间过长', 'It took too long') },
      { key: 'device-fault', label: t('设备故障', 'A device did not work') },
      { key: 'other', label: t('其他', 'Other') },
    ],
  },
};
