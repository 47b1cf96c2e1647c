// Street names for the street-level part of an address. None contains an administrative suffix
// (省 市 州 盟 区 县 旗) or starts with a province's short name (北京路, 西藏中路 …): such a street
// could be read as a region level, and a clean address must be unambiguously complete.

export const CITY_STREETS: Readonly<Record<string, readonly string[]>> = {
  北京市: ['中关村大街', '知春路', '学院路', '建国路', '复兴门内大街', '东直门南大街', '万寿路', '安定门外大街'],
  上海市: ['淮海中路', '世纪大道', '漕溪北路', '虹桥路', '陆家嘴环路', '长乐路', '延安西路', '张杨路'],
  天津市: ['南京路', '卫津路', '鞍山道', '成都道'],
  重庆市: ['解放碑步行街', '民生路', '建新北路', '观音桥步行街'],
  深圳市: ['深南大道', '科苑路', '华强北路', '滨海大道', '科技园路', '后海大道', '福华一路'],
  广州市: ['天河路', '体育东路', '珠江东路', '中山五路', '珠江新城花城大道'],
  杭州市: ['文三路', '天目山路', '曙光路', '延安路', '教工路', '庆春路'],
  成都市: ['人民南路', '科华北路', '天府大道', '红星路', '一环路南四段'],
  南京市: ['中山东路', '珠江路', '龙蟠路', '汉中路'],
  武汉市: ['解放大道', '中南路', '武珞路', '沿江大道'],
  西安市: ['长安南路', '小寨东路', '雁塔路', '科技路'],
};

export const GENERIC_STREETS: readonly string[] = [
  '人民路', '解放路', '建设路', '中山路', '和平路', '胜利路', '文化路', '光明路', '长江路',
  '黄河路', '友谊路', '新华路', '青年路', '朝阳路', '工业路', '幸福路', '团结路', '滨江路',
  '东风路', '青松路', '花园路', '体育路', '公园路', '兴业路', '育才路', '振华路', '迎宾大道',
  '金桥路', '银杏路', '梧桐路', '丽水路', '望江路',
];

/** Office buildings for organizations' addresses. */
export const BUILDINGS: readonly string[] = [
  '金融大厦', '科技大厦', '国贸中心', '环球中心', '创业大厦', '华润大厦', '时代广场', '财富中心',
  '嘉里中心', '银泰中心', '置地广场', '万达广场', '星河大厦', '汇金中心',
];
