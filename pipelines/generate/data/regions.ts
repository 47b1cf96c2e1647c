// Real GB/T 2260 county-level (district) codes with their names, telephone area codes and postcodes,
// so a generated ID number's region, its holder's address and landline all point at the same place.
// Only urban districts (区) are listed: every clean address then names province, city and district.

export interface Region {
  /** 6-digit GB/T 2260 code: the first six characters of a resident ID and of a USCC's region. */
  readonly code: string;
  /** Province-level name; for a municipality the same as `city`. */
  readonly province: string;
  readonly city: string;
  readonly district: string;
  /** Long-distance prefix with its leading 0. */
  readonly areaCode: string;
  /** Length of a local landline number in this city. */
  readonly localDigits: 7 | 8;
  readonly postcode: string;
}

function municipality(code: string, city: string, district: string, areaCode: string, postcode: string): Region {
  return { code, province: city, city, district, areaCode, localDigits: 8, postcode };
}

function inProvince(
  code: string,
  province: string,
  city: string,
  district: string,
  areaCode: string,
  postcode: string,
  localDigits: 7 | 8 = 8,
): Region {
  return { code, province, city, district, areaCode, localDigits, postcode };
}

export const REGIONS: readonly Region[] = [
  municipality('110101', '北京市', '东城区', '010', '100010'),
  municipality('110102', '北京市', '西城区', '010', '100032'),
  municipality('110105', '北京市', '朝阳区', '010', '100020'),
  municipality('110106', '北京市', '丰台区', '010', '100071'),
  municipality('110108', '北京市', '海淀区', '010', '100080'),
  municipality('120101', '天津市', '和平区', '022', '300041'),
  municipality('120104', '天津市', '南开区', '022', '300100'),
  municipality('310101', '上海市', '黄浦区', '021', '200001'),
  municipality('310104', '上海市', '徐汇区', '021', '200030'),
  municipality('310105', '上海市', '长宁区', '021', '200050'),
  municipality('310112', '上海市', '闵行区', '021', '201100'),
  municipality('310115', '上海市', '浦东新区', '021', '200120'),
  municipality('500103', '重庆市', '渝中区', '023', '400010'),
  municipality('500105', '重庆市', '江北区', '023', '400020'),
  inProvince('130102', '河北省', '石家庄市', '长安区', '0311', '050011'),
  inProvince('140105', '山西省', '太原市', '小店区', '0351', '030032'),
  inProvince('210102', '辽宁省', '沈阳市', '和平区', '024', '110001'),
  inProvince('210204', '辽宁省', '大连市', '沙河口区', '0411', '116021'),
  inProvince('220102', '吉林省', '长春市', '南关区', '0431', '130022'),
  inProvince('230102', '黑龙江省', '哈尔滨市', '道里区', '0451', '150010'),
  inProvince('320102', '江苏省', '南京市', '玄武区', '025', '210018'),
  inProvince('320106', '江苏省', '南京市', '鼓楼区', '025', '210009'),
  inProvince('320508', '江苏省', '苏州市', '姑苏区', '0512', '215008'),
  inProvince('330102', '浙江省', '杭州市', '上城区', '0571', '310002'),
  inProvince('330106', '浙江省', '杭州市', '西湖区', '0571', '310012'),
  inProvince('330212', '浙江省', '宁波市', '鄞州区', '0574', '315100'),
  inProvince('340104', '安徽省', '合肥市', '蜀山区', '0551', '230031'),
  inProvince('350102', '福建省', '福州市', '鼓楼区', '0591', '350001'),
  inProvince('350203', '福建省', '厦门市', '思明区', '0592', '361001'),
  inProvince('360103', '江西省', '南昌市', '西湖区', '0791', '330009'),
  inProvince('370102', '山东省', '济南市', '历下区', '0531', '250011'),
  inProvince('370202', '山东省', '青岛市', '市南区', '0532', '266001'),
  inProvince('410105', '河南省', '郑州市', '金水区', '0371', '450008'),
  inProvince('420102', '湖北省', '武汉市', '江岸区', '027', '430014'),
  inProvince('420106', '湖北省', '武汉市', '武昌区', '027', '430061'),
  inProvince('430104', '湖南省', '长沙市', '岳麓区', '0731', '410006'),
  inProvince('440104', '广东省', '广州市', '越秀区', '020', '510030'),
  inProvince('440106', '广东省', '广州市', '天河区', '020', '510630'),
  inProvince('440303', '广东省', '深圳市', '罗湖区', '0755', '518001'),
  inProvince('440304', '广东省', '深圳市', '福田区', '0755', '518048'),
  inProvince('440305', '广东省', '深圳市', '南山区', '0755', '518052'),
  inProvince('460106', '海南省', '海口市', '龙华区', '0898', '570105'),
  inProvince('510104', '四川省', '成都市', '锦江区', '028', '610021'),
  inProvince('510107', '四川省', '成都市', '武侯区', '028', '610041'),
  inProvince('520102', '贵州省', '贵阳市', '南明区', '0851', '550001'),
  inProvince('530102', '云南省', '昆明市', '五华区', '0871', '650032'),
  inProvince('610113', '陕西省', '西安市', '雁塔区', '029', '710061'),
  inProvince('620102', '甘肃省', '兰州市', '城关区', '0931', '730030', 7),
];

/** Where most customers live: the big cities get more weight, as in a national insurer's book. */
export const REGION_WEIGHTS: readonly number[] = REGIONS.map((r) =>
  ['北京市', '上海市', '深圳市', '广州市', '杭州市', '成都市'].includes(r.city) ? 3 : 1,
);
