// Small vocabularies for the less central person and policy fields.

export const ETHNICITIES: readonly (readonly [string, number])[] = [
  ['汉族', 90], ['回族', 2], ['满族', 2], ['壮族', 2], ['蒙古族', 1], ['土家族', 1], ['苗族', 1], ['朝鲜族', 1],
];

export const OCCUPATIONS: readonly string[] = [
  '教师', '工程师', '会计', '医生', '护士', '个体经营', '公务员', '销售', '软件工程师', '设计师', '律师',
  '司机', '厨师', '自由职业', '企业管理人员',
];

export const CHANNELS: readonly string[] = ['agency', 'bancassurance', 'telesales', 'online', 'broker'];

/** Reserved example domains: synthetic addresses can never reach a real mailbox. */
export const EMAIL_DOMAINS: readonly string[] = [
  'example.com', 'example.cn', 'example.net', 'example.org', 'mail.example.com', 'corp.example.cn',
];
