/* Labels in English and Ukrainian (see labels.h); the same as web/i18n.js. */
#include "labels.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *id, *en, *uk;
} categories[] = {
    {"personnel", "Personnel", "Особовий склад"},
    {"tanks", "Tanks", "Танки"},
    {"afv", "Armoured combat vehicles", "Бойові броньовані машини"},
    {"artillery", "Artillery systems", "Артилерійські системи"},
    {"mlrs", "MLRS", "РСЗВ"},
    {"air_defense", "Anti-aircraft warfare systems", "Засоби ППО"},
    {"aircraft", "Aircraft", "Літаки"},
    {"helicopters", "Helicopters", "Гелікоптери"},
    {"uav", "UAV operational-tactical level", "БПЛА оперативно-тактичного рівня"},
    {"cruise_missiles", "Cruise missiles", "Крилаті ракети"},
    {"warships", "Ships / boats", "Кораблі / катери"},
    {"submarines", "Submarines", "Підводні човни"},
    {"vehicles_fuel_tanks", "Vehicles and fuel tanks", "Автомобільна техніка та автоцистерни"},
    {"special_equipment", "Special equipment", "Спеціальна техніка"},
    {"ground_robotic_systems", "Ground robotic systems", "Наземні робототехнічні комплекси"},
    {"military_auto", "Military vehicles", "Автомобільна техніка"},
    {"fuel_tanks", "Fuel tanks", "Цистерни з ПММ"},
    {"mobile_srbm", "Mobile SRBM systems", "Мобільні пускові установки ОТРК"},
    {"pow", "Prisoners of war", "Військовополонені"},
};

static const char *const texts[LABELS_COUNT][2] = {
    [LABELS_TOTAL] = {"total", "усього"},
    [LABELS_REPORT_OF] = {"report of", "звіт за"},
    [LABELS_WAR_DAY] = {"day %d of the war", "%d-й день війни"},
    [LABELS_LAST_DAYS] = {"daily losses, last %d days", "втрати за день, останні %d дн."},
    [LABELS_DAILY] = {"daily losses", "втрати за день"},
    [LABELS_WEEKLY] = {"weekly losses", "втрати за тиждень"},
    [LABELS_MONTHLY] = {"monthly losses", "втрати за місяць"},
    [LABELS_AVERAGE] = {"7-day average", "середнє за 7 днів"},
    [LABELS_SOURCE] = {"Source: General Staff of the Armed Forces of Ukraine",
                       "Джерело: Генеральний штаб ЗСУ"},
    [LABELS_NO_DAILY] = {"no daily value", "немає денного значення"},
    [LABELS_NO_DATA] = {"no report in this period", "немає звітів за цей період"},
};

int labels_lang_parse(const char *text, labels_lang *out)
{
    if (text == NULL || strcmp(text, "en") == 0)
        *out = LABELS_EN;
    else if (strcmp(text, "uk") == 0)
        *out = LABELS_UK;
    else
        return -1;
    return 0;
}

const char *labels_category(const char *id, labels_lang lang, const char *fallback)
{
    for (size_t i = 0; i < sizeof categories / sizeof categories[0]; i++)
        if (strcmp(categories[i].id, id) == 0)
            return lang == LABELS_UK ? categories[i].uk : categories[i].en;
    return fallback;
}

const char *labels_qualifier(const char *q, labels_lang lang)
{
    if (lang == LABELS_UK && strcmp(q, "about") == 0)
        return "близько";
    if (lang == LABELS_UK && strcmp(q, "more than") == 0)
        return "понад";
    return q;
}

const char *labels_text_of(labels_text t, labels_lang lang)
{
    return (unsigned)t < LABELS_COUNT ? texts[t][lang == LABELS_UK] : "";
}

char *labels_with_number(labels_text t, labels_lang lang, int n, char *out, size_t len)
{
    const char *text = labels_text_of(t, lang), *at = strstr(text, "%d");
    if (at == NULL)
        snprintf(out, len, "%s", text);
    else
        snprintf(out, len, "%.*s%d%s", (int)(at - text), text, n, at + 2);
    return out;
}
