// Common Chinese surnames and given-name characters, with pinyin so e-mail addresses look like the
// names they belong to. Characters that could read as a placeholder (无, 未, 知, 测, 试) are left out
// on purpose: a clean name must never resemble 测试/无/未知.

/** Ordered roughly by frequency; the generator favours the head of the list. */
export const SURNAMES: readonly (readonly [hanzi: string, pinyin: string])[] = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'],
  ['黄', 'huang'], ['赵', 'zhao'], ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'],
  ['马', 'ma'], ['朱', 'zhu'], ['胡', 'hu'], ['郭', 'guo'], ['何', 'he'], ['高', 'gao'],
  ['林', 'lin'], ['罗', 'luo'], ['郑', 'zheng'], ['梁', 'liang'], ['谢', 'xie'], ['宋', 'song'],
  ['唐', 'tang'], ['许', 'xu'], ['韩', 'han'], ['冯', 'feng'], ['邓', 'deng'], ['曹', 'cao'],
  ['彭', 'peng'], ['曾', 'zeng'], ['肖', 'xiao'], ['田', 'tian'], ['董', 'dong'], ['袁', 'yuan'],
  ['潘', 'pan'], ['于', 'yu'], ['蒋', 'jiang'], ['蔡', 'cai'], ['余', 'yu'], ['杜', 'du'],
  ['叶', 'ye'], ['程', 'cheng'], ['苏', 'su'], ['魏', 'wei'], ['吕', 'lv'], ['丁', 'ding'],
  ['任', 'ren'], ['沈', 'shen'], ['姚', 'yao'], ['卢', 'lu'], ['姜', 'jiang'], ['崔', 'cui'],
  ['钟', 'zhong'], ['谭', 'tan'], ['陆', 'lu'], ['汪', 'wang'], ['范', 'fan'], ['金', 'jin'],
  ['石', 'shi'], ['廖', 'liao'], ['贾', 'jia'], ['夏', 'xia'], ['韦', 'wei'], ['付', 'fu'],
  ['方', 'fang'], ['白', 'bai'], ['邹', 'zou'], ['孟', 'meng'], ['熊', 'xiong'], ['秦', 'qin'],
  ['邱', 'qiu'], ['江', 'jiang'], ['尹', 'yin'], ['薛', 'xue'], ['闫', 'yan'], ['段', 'duan'],
  ['雷', 'lei'], ['侯', 'hou'], ['龙', 'long'], ['史', 'shi'], ['陶', 'tao'], ['黎', 'li'],
  ['贺', 'he'], ['顾', 'gu'], ['毛', 'mao'], ['郝', 'hao'], ['龚', 'gong'], ['邵', 'shao'],
  ['万', 'wan'], ['钱', 'qian'], ['严', 'yan'], ['覃', 'qin'], ['武', 'wu'], ['戴', 'dai'],
  ['莫', 'mo'], ['孔', 'kong'], ['向', 'xiang'], ['汤', 'tang'], ['欧阳', 'ouyang'], ['上官', 'shangguan'],
];

export const GIVEN_MALE: readonly (readonly [hanzi: string, pinyin: string])[] = [
  ['伟', 'wei'], ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['洋', 'yang'], ['勇', 'yong'],
  ['杰', 'jie'], ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['斌', 'bin'], ['浩', 'hao'],
  ['鹏', 'peng'], ['宇', 'yu'], ['鑫', 'xin'], ['波', 'bo'], ['辉', 'hui'], ['刚', 'gang'],
  ['健', 'jian'], ['俊', 'jun'], ['峰', 'feng'], ['建', 'jian'], ['国', 'guo'], ['华', 'hua'],
  ['文', 'wen'], ['志', 'zhi'], ['龙', 'long'], ['林', 'lin'], ['晨', 'chen'], ['博', 'bo'],
  ['凯', 'kai'], ['毅', 'yi'], ['飞', 'fei'], ['亮', 'liang'], ['东', 'dong'], ['海', 'hai'],
  ['轩', 'xuan'], ['豪', 'hao'], ['然', 'ran'], ['睿', 'rui'], ['泽', 'ze'],
];

export const GIVEN_FEMALE: readonly (readonly [hanzi: string, pinyin: string])[] = [
  ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['艳', 'yan'],
  ['娟', 'juan'], ['霞', 'xia'], ['秀', 'xiu'], ['玲', 'ling'], ['婷', 'ting'], ['雪', 'xue'],
  ['慧', 'hui'], ['颖', 'ying'], ['琳', 'lin'], ['倩', 'qian'], ['燕', 'yan'], ['晶', 'jing'],
  ['欣', 'xin'], ['悦', 'yue'], ['佳', 'jia'], ['怡', 'yi'], ['梅', 'mei'], ['兰', 'lan'],
  ['萍', 'ping'], ['红', 'hong'], ['雨', 'yu'], ['梦', 'meng'], ['思', 'si'], ['涵', 'han'],
  ['媛', 'yuan'], ['珊', 'shan'], ['蕾', 'lei'], ['瑶', 'yao'], ['晓', 'xiao'], ['诗', 'shi'],
];

/** Fake names an agent types to get past a form (004 篇五 art. 11). Only ever injected as defects. */
export const PLACEHOLDER_NAMES: readonly string[] = ['测试', '无', '未知', 'test'];
