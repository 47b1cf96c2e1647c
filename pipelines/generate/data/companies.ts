// Company-name parts and business scopes. Names follow the registered form
// 城市 + 字号 + 行业 + 组织形式 (深圳市恒达信息技术有限公司); small retailers are 个体工商户
// whose USCC carries organisation category 2.

export const TRADE_NAMES: readonly string[] = [
  '恒达', '华信', '中科', '远航', '金盛', '瑞丰', '鼎盛', '新业', '宏图', '博远', '天成', '汇通',
  '嘉禾', '永安', '兴旺', '明德', '泰和', '润泽', '华普', '正源', '和信', '佳美', '盛世', '德润',
  '海纳', '锦程', '同创', '卓越', '启明', '万象',
];

export interface Industry {
  readonly name: string;
  readonly scope: string;
}

export const INDUSTRIES: readonly Industry[] = [
  { name: '信息技术', scope: '计算机软硬件的技术开发、技术咨询、技术服务；信息系统集成服务' },
  { name: '商贸', scope: '日用百货、五金交电、电子产品的批发与零售；货物进出口' },
  { name: '餐饮管理', scope: '餐饮管理；餐饮服务；食品销售' },
  { name: '建筑工程', scope: '房屋建筑工程施工；建筑装饰装修工程设计与施工' },
  { name: '物流', scope: '普通货运；仓储服务（不含危险品）；国内货运代理' },
  { name: '文化传媒', scope: '组织文化艺术交流活动；广告设计、制作、代理、发布' },
  { name: '医疗器械', scope: '第一类、第二类医疗器械销售；健康咨询服务' },
  { name: '食品', scope: '预包装食品销售；农副产品收购与销售' },
  { name: '电子科技', scope: '电子元器件的研发与销售；电子产品技术服务' },
  { name: '教育咨询', scope: '教育咨询（不含教育培训）；企业管理咨询' },
];

export const COMPANY_FORMS: readonly string[] = ['有限公司', '有限责任公司', '股份有限公司'];

/** Individual businesses (个体工商户), e.g. tobacco retailers whose licence holder is a person. */
export const SHOP_KINDS: readonly Industry[] = [
  { name: '便利店', scope: '卷烟、雪茄烟零售；预包装食品、日用百货零售' },
  { name: '烟酒商行', scope: '卷烟零售；酒类零售；预包装食品销售' },
  { name: '副食店', scope: '预包装食品、散装食品零售；卷烟零售' },
];
