/* The peer's stats keys, their values on each report date, and its record (compat.h).
 *
 * Values: a key's figure is its category's total; before that category existed, the sum of
 * the categories it continues (vehicles_fuel_tanks = military_auto + fuel_tanks until
 * 2022-04-30); after a category was retired (replaced_by), its last total, as the public
 * API kept atgm_srbm_systems at 4; 0 where there is none yet (submarines before
 * 2023-09-14). Every key is present with an integer in every record. increase is our daily
 * loss of the same figure: 0 where there is none (a key's first date when it continues
 * nothing, every date after retirement). */
#include "compat.h"
#include "render.h"
#include "attrition/date.h"

#include <stdio.h>
#include <string.h>

/* One key: our category, the retired categories it continues, its titles and icon. */
typedef struct compat_key {
    const char *key, *cat, *merged[2];
    const char *title_en, *title_ua, *icon;
} compat_key;

#define COMPAT_ICONS "/images/icons/" /* our own pictograms, web/icons/ */

/* In the peer's order (clients label stats by position). Ukrainian titles as the peer's
 * clients show them. submarines is last and v2 only. */
static const compat_key KEYS[COMPAT_MAX_KEYS] = {
    {"personnel_units", "personnel", {NULL, NULL}, "Personnel units", "Особовий склад",
     "icon-people.svg"},
    {"tanks", "tanks", {NULL, NULL}, "Tanks", "Танки", "icon-tank.svg"},
    {"armoured_fighting_vehicles", "afv", {NULL, NULL}, "Armoured fighting vehicles",
     "Бойові броньовані машини", "icon-bbm.svg"},
    {"artillery_systems", "artillery", {NULL, NULL}, "Artillery systems",
     "Артилерійські системи", "icon-art.svg"},
    {"mlrs", "mlrs", {NULL, NULL}, "Multiple Launch Rocket System",
     "Реактивні системи залпового вогню", "icon-rszv.svg"},
    {"aa_warfare_systems", "air_defense", {NULL, NULL}, "Anti-aircraft warfare systems",
     "Системи протиповітряної оборони", "icon-ppo.svg"},
    {"planes", "aircraft", {NULL, NULL}, "Planes", "Літаки", "icon-plane.svg"},
    {"helicopters", "helicopters", {NULL, NULL}, "Helicopters", "Гелікоптери",
     "icon-helicopter.svg"},
    {"vehicles_fuel_tanks", "vehicles_fuel_tanks", {"military_auto", "fuel_tanks"},
     "Vehicles and fuel tanks", "Автомобільна техніка та цистерни з ПММ", "icon-auto.svg"},
    {"warships_cutters", "warships", {NULL, NULL}, "Warships and cutters",
     "Військові кораблі та катери", "icon-ship.svg"},
    {"cruise_missiles", "cruise_missiles", {NULL, NULL}, "Cruise missiles", "Крилаті ракети",
     "icon-rocket.svg"},
    {"uav_systems", "uav", {NULL, NULL}, "Unmanned aerial vehicle systems",
     "Безпілотні літальні апарати", "icon-bpla.svg"},
    {"special_military_equip", "special_equipment", {NULL, NULL}, "Special military equipment",
     "Спец. техніка", "icon-special.svg"},
    {"atgm_srbm_systems", "mobile_srbm", {NULL, NULL},
     "Anti-tank guided missile and short-range ballistic missile systems",
     "Оперативно-тактичні ракетні комплекси та тактичні ракетні комплекси", "icon-trk.svg"},
    {"submarines", "submarines", {NULL, NULL}, "Submarines", "Підводні човни",
     "icon-submarine.svg"},
};

size_t compat_key_count(compat_api api)
{
    return api == COMPAT_V1 ? COMPAT_MAX_KEYS - 1 : COMPAT_MAX_KEYS;
}

const char *compat_key_name(size_t k)
{
    return KEYS[k].key;
}

int compat_key_find(compat_api api, const char *name)
{
    for (size_t k = 0; k < compat_key_count(api); k++)
        if (strcmp(KEYS[k].key, name) == 0)
            return (int)k;
    return -1;
}

void compat_map_resolve(const stats_snapshot *s, compat_map *m)
{
    for (size_t k = 0; k < COMPAT_MAX_KEYS; k++) {
        m->cat[k] = stats_category_index(s, KEYS[k].cat);
        for (size_t i = 0; i < 2; i++)
            m->merged[k][i] = KEYS[k].merged[i] ? stats_category_index(s, KEYS[k].merged[i]) : -1;
    }
}

/* Total (loss == 0) or daily loss of category c in report rep, 0 where there is none. */
static int64_t figure(const stats_snapshot *s, size_t rep, int c, int loss)
{
    int64_t v = loss ? stats_loss(s, rep, (size_t)c) : stats_total(s, rep, (size_t)c);
    return v == STATS_NONE ? 0 : v;
}

/* The figure of key k in report rep (see the top of this file). */
static int64_t key_value(const stats_snapshot *s, const compat_map *m, size_t k, size_t rep,
                         int loss)
{
    int c = m->cat[k];
    if (c >= 0 && stats_total(s, rep, (size_t)c) != STATS_NONE)
        return figure(s, rep, c, loss);
    int64_t sum = 0, found = 0;
    for (size_t i = 0; i < 2; i++) {
        int p = m->merged[k][i];
        if (p >= 0 && stats_total(s, rep, (size_t)p) != STATS_NONE) {
            sum += figure(s, rep, p, loss);
            found = 1;
        }
    }
    if (found || c < 0)
        return sum;
    const stats_category *cat = &s->cats[c];
    if (cat->replaced_by >= 0 && cat->last >= 0 && rep > (size_t)cat->last && !loss)
        return figure(s, (size_t)cat->last, c, 0);
    return 0;
}

/* {"personnel_units": N, ...} of report rep with the API's keys: totals, or daily losses
 * when loss != 0. A new reference, or NULL on ENOMEM. */
static json_t *key_values(const stats_snapshot *s, const compat_map *m, size_t rep, int loss,
                          compat_api api)
{
    json_t *o = json_object();
    for (size_t k = 0; o && k < compat_key_count(api); k++)
        if (json_object_set_new(o, KEYS[k].key,
                                json_integer((json_int_t)key_value(s, m, k, rep, loss))) != 0) {
            json_decref(o);
            return NULL;
        }
    return o;
}

json_t *compat_record(const stats_snapshot *s, const compat_map *m, size_t rep,
                      const char *resource, compat_api api)
{
    int day = s->dates[rep];
    const char *res = resource ? resource : COMPAT_RESOURCE;
    if (api == COMPAT_V1)
        return json_pack("{s:o, s:i, s:s, s:o, s:o}", "date", render_date(day), "day",
                         date_war_day(day), "resource", res, "stats",
                         key_values(s, m, rep, 0, api), "increase", key_values(s, m, rep, 1, api));
    return json_pack("{s:o, s:i, s:s, s:{s:i, s:s}, s:o, s:o}", "date", render_date(day), "day",
                     date_war_day(day), "resource", res, "war_status", "code", 1, "alias",
                     "in_progress", "stats", key_values(s, m, rep, 0, api), "increase",
                     key_values(s, m, rep, 1, api));
}

int compat_list_skip(const stats_snapshot *s)
{
    return stats_report_index(s, date_from_ymd(2022, 2, 26));
}

json_t *compat_term(size_t k, int ua, const char *base)
{
    char icon[400];
    snprintf(icon, sizeof icon, "%s%s%s", base, COMPAT_ICONS, KEYS[k].icon);
    return json_pack("{s:s, s:s}", "title", ua ? KEYS[k].title_ua : KEYS[k].title_en, "icon",
                     icon);
}

json_t *compat_terms(compat_api api, int ua, const char *base)
{
    json_t *terms = json_object();
    for (size_t k = 0; terms && k < compat_key_count(api); k++)
        if (json_object_set_new(terms, KEYS[k].key, compat_term(k, ua, base)) != 0) {
            json_decref(terms);
            return NULL;
        }
    return terms;
}
