"""GB/T 2260 district codes the app knows (Shenzhen and Ningbo)."""
from __future__ import annotations

DISTRICTS: dict[str, tuple[str, str]] = {
    "440303": ("深圳市罗湖区", "Luohu, Shenzhen"),
    "440304": ("深圳市福田区", "Futian, Shenzhen"),
    "440305": ("深圳市南山区", "Nanshan, Shenzhen"),
    "440306": ("深圳市宝安区", "Bao'an, Shenzhen"),
    "440307": ("深圳市龙岗区", "Longgang, Shenzhen"),
    "440308": ("深圳市盐田区", "Yantian, Shenzhen"),
    "440309": ("深圳市龙华区", "Longhua, Shenzhen"),
    "440310": ("深圳市坪山区", "Pingshan, Shenzhen"),
    "440311": ("深圳市光明区", "Guangming, Shenzhen"),
    "330203": ("宁波市海曙区", "Haishu, Ningbo"),
    "330205": ("宁波市江北区", "Jiangbei, Ningbo"),
    "330206": ("宁波市北仑区", "Beilun, Ningbo"),
    "330211": ("宁波市镇海区", "Zhenhai, Ningbo"),
    "330212": ("宁波市鄞州区", "Yinzhou, Ningbo"),
    "330213": ("宁波市奉化区", "Fenghua, Ningbo"),
    "330225": ("宁波市象山县", "Xiangshan, Ningbo"),
    "330226": ("宁波市宁海县", "Ninghai, Ningbo"),
    "330281": ("宁波市余姚市", "Yuyao, Ningbo"),
    "330282": ("宁波市慈溪市", "Cixi, Ningbo"),
}


def district_name(code: str | None, locale: str = "zh_CN") -> str:
    if not code or code not in DISTRICTS:
        return code or ""
    zh, en = DISTRICTS[code]
    return en if locale.startswith("en") else zh
