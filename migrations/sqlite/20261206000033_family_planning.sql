-- Family planning as the first plan asks (M17/M18, issue 21 item 9). The four disclosures
-- (四公开) as four categories, each with its own template; the ledgers of 独生子女优待,
-- 奖励扶助 and 计生困难户帮扶, whose totals the third disclosure carries (rule D7), each
-- hardship payment under an aid plan of the household, and each payment linked to the
-- published notice that reports it (by counts and sums, never by name: PIPL Art. 25).
-- Kept in lock-step with ../postgres/20261206000033_family_planning.sql.
ALTER TABLE disclosure_categories ADD COLUMN template TEXT NOT NULL DEFAULT '';
UPDATE disclosure_categories SET name_zh = '计划生育（其他）', name_en = 'Family planning (other)'
    WHERE community_id IS NULL AND code = 'family_planning';
INSERT INTO disclosure_categories (community_id, code, name_zh, name_en, cadence, due_working_days, names_public, expires, finance, template, created_at) VALUES
    (NULL, 'fp_policies', '四公开之一：计划生育法律法规政策和居委规章制度', 'Four disclosures 1: family-planning laws, policies and the committee''s rules', 'none', 0, 0, 0, 0,
     '一、国家和省、市有关计划生育的法律、法规和政策规定：
（列出文件名称、文号和要点）

二、本居委会制定的计划生育规章制度：
（计划生育居民自治章程、计划生育合同等，写明通过的会议和日期）

咨询电话：', '2026-12-06T00:00:00.000000Z'),
    (NULL, 'fp_births', '四公开之二：符合生育条件夫妻名单、服务证发放和人口出生情况', 'Four disclosures 2: eligible couples, service certificates and births', 'quarterly', 10, 1, 0, 0,
     '一、本年度符合生育条件的夫妻名单：
（姓名、所在楼栋；不写身份证号和电话）

二、生育服务证发放情况：本季度发放   份。

三、人口出生情况：本季度出生   人（男   人，女   人）。

如有异议，请在公示期内实名向居委会提出。', '2026-12-06T00:00:00.000000Z'),
    (NULL, 'fp_benefits', '四公开之三：独生子女优待、奖励扶助落实和计生困难户帮扶情况', 'Four disclosures 3: one-child benefits, reward support and hardship aid', 'quarterly', 10, 0, 0, 1,
     '本季度计划生育优待、奖励和帮扶情况如下（金额见明细，按台账合计；不公开个人姓名）。

如有异议，请在公示期内实名向居委会提出。', '2026-12-06T00:00:00.000000Z'),
    (NULL, 'fp_association', '四公开之四：计生协会等群众组织民主参与和民主监督细则', 'Four disclosures 4: the association''s rules for taking part and overseeing', 'none', 0, 0, 0, 0,
     '一、计划生育协会等群众组织参与计划生育工作的方式：

二、民主监督的内容和程序：

三、会员和群众反映问题的渠道：', '2026-12-06T00:00:00.000000Z');

CREATE TABLE family_planning_benefits (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id),
    kind TEXT NOT NULL,
    household_id INTEGER NOT NULL REFERENCES households(id),
    paid_on TEXT NOT NULL,
    amount INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    aid_plan_id INTEGER REFERENCES aid_plans(id),
    disclosure_id INTEGER REFERENCES disclosures(id),
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX family_planning_benefits_paid ON family_planning_benefits(community_id, paid_on);
CREATE INDEX family_planning_benefits_plan ON family_planning_benefits(aid_plan_id);
-- The one family-planning category before the four: kept for the notices filed under it, no
-- longer due each quarter (the births and benefits disclosures are).
UPDATE disclosure_categories SET cadence = 'none', due_working_days = 0
    WHERE community_id IS NULL AND code = 'family_planning';
