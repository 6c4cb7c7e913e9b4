/* THE lexicon: how journalists and the ministry name each category, in English and
 * Ukrainian. One table, read by the text checker (check_read.c) and by the ministry's post
 * in Ukrainian (report_parse.c, through check_lexicon_label).
 *
 * A phrase is lower-case words separated by single spaces; '-' and '/' in a text separate
 * words too, so "anti aircraft" matches "anti-aircraft" and "ships boats" "ships / boats".
 * A word ending in '*' matches any word it begins (Ukrainian inflections: "танк*" is
 * танк, танки, танків, танками). The longest phrase wins ("vehicles and fuel tanks" over
 * "tanks"). */
#include "attrition/check.h"
#include "check_internal.h"

#include <string.h>

typedef struct lex_entry {
    const char *id;
    const char *phrases[40];
} lex_entry;

static const lex_entry lexicon[] = {
    {"personnel", {"personnel", "military personnel", "troops", "troop", "soldiers", "soldier",
                   "servicemen", "servicemembers", "service members", "men", "casualties",
                   "invaders", "occupiers", "russian troops", "persons",
                   "особового складу", "особовий склад", "особового", "осіб", "особи",
                   "окупант*", "військовослужбовц*", "військових", "солдат*", "загарбник*",
                   "росіян", "орків", "вояк*", "personnel units"}},
    {"tanks", {"tanks", "tank", "main battle tanks", "танк*"}},
    {"afv", {"armored fighting vehicles", "armoured fighting vehicles",
             "armored combat vehicles", "armoured combat vehicles", "armored vehicles",
             "armoured vehicles", "armored personnel carriers", "armoured personnel carriers",
             "infantry fighting vehicles", "afvs", "afv", "apcs", "apc", "ifvs",
             "fighting vehicles", "combat vehicles",
             "бойових броньованих машин", "бойові броньовані машини", "ббм",
             "броньован* машин*", "бронемашин*", "бтр", "бмп"}},
    {"artillery", {"artillery systems", "artillery system", "artillery pieces", "artillery",
                   "field artillery", "artillery guns", "guns", "howitzers",
                   "артилерійських систем", "артилерійські системи", "артсистем*",
                   "артилерійськ* систем*", "артилерії", "гармат*", "арт систем"}},
    {"mlrs", {"mlrs", "mlrss", "multiple launch rocket systems", "multiple rocket launchers",
              "multiple launch rocket system", "rocket launchers", "mrl", "mrls", "рсзв",
              "реактивн* систем* залпового вогню"}},
    {"air_defense", {"air defense systems", "air defence systems", "air defense system",
                     "air defence system", "air defense", "air defence",
                     "anti aircraft warfare systems", "anti aircraft warfare",
                     "anti aircraft systems", "anti aircraft warfare system",
                     "anti aircraft system", "засобів ппо", "засоби ппо",
                     "ппо", "систем ппо", "зенітн* систем*", "зенітн* комплекс*"}},
    {"aircraft", {"aircraft", "planes", "plane", "warplanes", "warplane", "fighter jets",
                  "jets", "airplanes", "літак*"}},
    {"helicopters", {"helicopters", "helicopter", "гелікоптер*", "вертольот*", "вертоліт*"}},
    {"uav", {"uavs", "uav", "drones", "drone", "unmanned aerial vehicles",
             "uav operational tactical level", "operational tactical drones",
             "operational tactical uavs", "бпла", "бпла оперативно тактичного рівня",
             "безпілотник*", "дрон*", "безпілотних літальних апаратів"}},
    {"cruise_missiles", {"cruise missiles", "cruise missile", "missiles", "крилат* ракет*",
                         "ракет*"}},
    {"warships", {"warships", "warship", "ships boats", "warships boats", "ships", "boats",
                  "naval ships", "vessels", "кораблі катери", "кораблів катерів",
                  "корабл*", "катер*"}},
    {"submarines", {"submarines", "submarine", "підводн* човн*", "підводний човен"}},
    {"vehicles_fuel_tanks", {"vehicles and fuel tanks", "vehicles fuel tanks", "vehicles",
                             "fuel tanks", "trucks", "military vehicles", "automotive vehicles",
                             "cars and fuel tanks", "автомобільної техніки та автоцистерн",
                             "автомобільна техніка та автоцистерни",
                             "автомобільн* техні*", "автоцистерн*", "автотехні*",
                             "вантажівок"}},
    {"special_equipment", {"special equipment", "pieces of special equipment",
                           "units of special equipment", "special vehicles",
                           "спеціальної техніки", "спеціальна техніка", "спецтехні*",
                           "спеціальн* техні*"}},
    {"ground_robotic_systems", {"ground robotic systems", "ground robots",
                                "наземних робототехнічних комплексів",
                                "наземні робототехнічні комплекси", "нрк"}},
    {"pow", {"prisoners of war", "pows", "pow", "військовополонених", "полонених"}},
};

#define N_LEX (sizeof lexicon / sizeof lexicon[0])

/* Does text word w match pattern word p (p may end in '*')? p is NUL- or space-ended. */
static int word_match(const char *w, const char *p, size_t plen)
{
    if (plen > 0 && p[plen - 1] == '*')
        return strncmp(w, p, plen - 1) == 0 && strlen(w) >= plen - 1;
    return strlen(w) == plen && strncmp(w, p, plen) == 0;
}

/* How many words of words[0..n) phrase p matches (all of its words), or 0. */
static size_t phrase_match(const char *const *words, size_t n, const char *p)
{
    size_t k = 0;
    while (*p) {
        size_t plen = strcspn(p, " ");
        if (k >= n || !word_match(words[k], p, plen))
            return 0;
        k++;
        p += plen;
        if (*p == ' ')
            p++;
    }
    return k;
}

int check_lex_match(const char *const *words, size_t n, size_t *used)
{
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < N_LEX; i++)
        for (size_t j = 0; j < 40 && lexicon[i].phrases[j]; j++) {
            size_t k = phrase_match(words, n, lexicon[i].phrases[j]);
            if (k > best_len) {
                best_len = k;
                best = (int)i;
            }
        }
    *used = best_len;
    return best;
}

const char *check_lex_id(int i)
{
    return i >= 0 && (size_t)i < N_LEX ? lexicon[i].id : NULL;
}

const char *check_lexicon_label(const char *label)
{
    char buf[CHECK_WORD_MAX * 12];
    const char *words[12];
    size_t n = check_split_words(label, strlen(label), buf, sizeof buf, words, 12);
    size_t used;
    int c = n > 0 ? check_lex_match(words, n, &used) : -1;
    return c >= 0 && used == n ? lexicon[c].id : NULL;
}
