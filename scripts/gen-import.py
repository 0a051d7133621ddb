#!/usr/bin/env python3
"""Writes a CSV of N residents for the demo's community 1 (三角线社区), for measuring imports:
   python3 scripts/gen-import.py 100000 > /tmp/residents.csv"""
import random, sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
C = "10X98765432"
BUILDINGS = [("三角线小区", range(1, 8)), ("幸福院", range(8, 13)), ("锦绣苑", range(13, 18)), ("阳光新城", range(18, 23))]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟强磊军勇杰涛斌芳娜敏静丽艳娟霞秀燕玲"

def idn(seq):
    birth = 19400101 + (seq % 60) * 10000 + (seq // 60 % 12) * 100 + seq // 720 % 28
    first = "120101%08d%03d" % (birth, seq % 1000)
    # Make the 17 digits unique by folding the sequence into the area code.
    first = "%06d" % (120101 + seq // 100000) + first[6:14] + "%03d" % (seq // 720 // 28 % 1000)
    s = sum(int(d) * w for d, w in zip(first, W))
    return first + C[s % 11]

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    rnd = random.Random(7)
    print("小区,楼栋,单元,门牌号,姓名,身份证号,手机号,政治面貌,迁入日期")
    seen = set()
    i = seq = 0
    while i < n:
        compound, numbers = BUILDINGS[i // 3 % 4]
        b = numbers[i // 12 % len(numbers)]
        door = 1000 + i // 3 // 40
        seq += 1
        x = idn(seq)
        if x in seen:
            continue
        seen.add(x)
        print("%s,%d号楼,1,%d,%s%s,%s,139%08d,群众,2020-01-01" % (compound, b, door, rnd.choice(SURNAMES), rnd.choice(GIVEN), x, i))
        i += 1

main()
