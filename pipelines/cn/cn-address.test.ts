import { describe, expect, it } from 'vitest';
import { parseCnAddress } from './cn-address.ts';

describe('parseCnAddress', () => {
  it('reads a municipality as both province and city', () => {
    expect(parseCnAddress('北京市海淀区中关村大街1号3单元502')).toEqual({
      province: '北京市',
      city: '北京市',
      district: '海淀区',
      rest: '中关村大街1号3单元502',
    });
    expect(parseCnAddress('上海市浦东新区世纪大道100号')).toMatchObject({ province: '上海市', city: '上海市', district: '浦东新区' });
    expect(parseCnAddress('重庆市城口县葛城街道')).toMatchObject({ province: '重庆市', city: '重庆市', district: '城口县' });
  });

  it('drops a repeated municipality and the 市辖区 placeholder', () => {
    expect(parseCnAddress('北京市北京市朝阳区建国路1号')).toEqual({ province: '北京市', city: '北京市', district: '朝阳区', rest: '建国路1号' });
    expect(parseCnAddress('天津市市辖区和平区南京路1号')).toMatchObject({ city: '天津市', district: '和平区', rest: '南京路1号' });
  });

  it('splits province, city and district', () => {
    expect(parseCnAddress('广东省深圳市南山区粤海街道科技园')).toEqual({
      province: '广东省',
      city: '深圳市',
      district: '南山区',
      rest: '粤海街道科技园',
    });
    expect(parseCnAddress('浙江省金华市义乌市稠城街道')).toMatchObject({ city: '金华市', district: '义乌市', rest: '稠城街道' });
  });

  it('handles autonomous regions, prefectures and leagues', () => {
    expect(parseCnAddress('内蒙古自治区鄂尔多斯市伊金霍洛旗阿勒腾席热镇')).toMatchObject({
      province: '内蒙古自治区',
      city: '鄂尔多斯市',
      district: '伊金霍洛旗',
    });
    expect(parseCnAddress('内蒙古自治区锡林郭勒盟锡林浩特市')).toMatchObject({ city: '锡林郭勒盟', district: '锡林浩特市' });
    expect(parseCnAddress('广西壮族自治区南宁市青秀区民族大道')).toMatchObject({ province: '广西壮族自治区', district: '青秀区' });
    expect(parseCnAddress('西藏自治区阿里地区噶尔县')).toMatchObject({ province: '西藏自治区', city: '阿里地区', district: '噶尔县', rest: '' });
    expect(parseCnAddress('宁夏回族自治区银川市兴庆区')).toMatchObject({ province: '宁夏回族自治区', city: '银川市', district: '兴庆区' });
    expect(parseCnAddress('新疆维吾尔自治区伊犁哈萨克自治州伊宁市解放路')).toMatchObject({
      province: '新疆维吾尔自治区',
      city: '伊犁哈萨克自治州',
      district: '伊宁市',
      rest: '解放路',
    });
    expect(parseCnAddress('湖北省宜昌市长阳土家族自治县龙舟坪镇')).toMatchObject({ district: '长阳土家族自治县', rest: '龙舟坪镇' });
    expect(parseCnAddress('吉林省延边州延吉市')).toMatchObject({ city: '延边州', district: '延吉市' });
  });

  it('treats a special administrative region as province and city', () => {
    expect(parseCnAddress('香港特别行政区中西区皇后大道中1号')).toEqual({
      province: '香港特别行政区',
      city: '香港特别行政区',
      district: '中西区',
      rest: '皇后大道中1号',
    });
    expect(parseCnAddress('澳门特别行政区花地玛堂区')).toMatchObject({ province: '澳门特别行政区', district: '花地玛堂区' });
    expect(parseCnAddress('香港九龙弥敦道1号')).toMatchObject({ province: '香港特别行政区', city: '香港特别行政区', rest: '九龙弥敦道1号' });
  });

  it('accepts short province names only when a lower level follows', () => {
    expect(parseCnAddress('广东深圳市南山区科技园')).toMatchObject({ province: '广东省', city: '深圳市', district: '南山区' });
    expect(parseCnAddress('北京海淀区中关村大街1号')).toMatchObject({ province: '北京市', district: '海淀区' });
    expect(parseCnAddress('北京路100号')).toEqual({ rest: '北京路100号' });
  });

  it('keeps 州 and 市 inside real names', () => {
    expect(parseCnAddress('江苏省苏州市工业园区星湖街328号')).toMatchObject({ city: '苏州市', district: '工业园区' });
    expect(parseCnAddress('山东省济南市市中区经四路')).toMatchObject({ city: '济南市', district: '市中区', rest: '经四路' });
    expect(parseCnAddress('河北省唐山市路南区新华道')).toMatchObject({ district: '路南区', rest: '新华道' });
  });

  it('uses the city as district where there is no district level', () => {
    expect(parseCnAddress('广东省东莞市南城街道')).toMatchObject({ city: '东莞市', district: '东莞市', rest: '南城街道' });
    expect(parseCnAddress('海南省琼海市嘉积镇')).toMatchObject({ city: '琼海市', district: '琼海市' });
  });

  it('reports missing levels as absent', () => {
    expect(parseCnAddress('广东省深圳市深南大道1号')).toEqual({ province: '广东省', city: '深圳市', rest: '深南大道1号' });
    expect(parseCnAddress('广东省深圳市人民广场旁超市')).not.toHaveProperty('district');
    expect(parseCnAddress('深圳市南山区科技园')).toEqual({ city: '深圳市', district: '南山区', rest: '科技园' });
    expect(parseCnAddress('中关村大街1号')).toEqual({ rest: '中关村大街1号' });
    expect(parseCnAddress('')).toEqual({ rest: '' });
  });

  it('tolerates spaces between levels', () => {
    expect(parseCnAddress(' 天津市 和平区\u3000南京路1号 ')).toEqual({ province: '天津市', city: '天津市', district: '和平区', rest: '南京路1号' });
  });
});

describe('parseCnAddress: 楼 inside a district name', () => {
  it('reads 鼓楼区 as a district', () => {
    expect(parseCnAddress('江苏省南京市鼓楼区中山东路1号').district).toBe('鼓楼区');
    expect(parseCnAddress('福建省福州市鼓楼区五四路2号').district).toBe('鼓楼区');
    expect(parseCnAddress('江苏省南京市玄武区中山路3号楼').district).toBe('玄武区');
  });
});
